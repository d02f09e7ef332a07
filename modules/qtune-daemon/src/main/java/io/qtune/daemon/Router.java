package io.qtune.daemon;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The route table: finds the route for a method and path, or says why none serves it. */
public final class Router {
  private final List<Route> routes;

  public Router(List<Route> routes) {
    this.routes = List.copyOf(routes);
  }

  public List<Route> routes() {
    return routes;
  }

  public record Match(Route route, Map<String, String> params) {}

  /** The matching route; a 404 when no template matches the path, 405 when only the method differs. */
  public Match find(String method, String path) {
    List<String> allowed = new ArrayList<>();
    for (Route r : routes) {
      Map<String, String> params = r.match(path);
      if (params == null) {
        continue;
      }
      if (r.method().equals(method)) {
        return new Match(r, params);
      }
      allowed.add(r.method());
    }
    if (allowed.isEmpty()) {
      throw ApiException.notFound("no route " + path + " (see docs/api/openapi.yaml)");
    }
    throw new ApiException(405, "method " + method + " is not served on " + path + " (allowed: "
        + String.join(", ", allowed) + ")", null);
  }

  public Optional<Route> byTemplate(String method, String template) {
    return routes.stream().filter(r -> r.method().equals(method) && r.template().equals(template)).findFirst();
  }
}
