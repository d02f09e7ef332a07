package io.qtune.daemon;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One served route: method and path template ({@code /v1/vms/{name}/vcpus/{vcpu}/pin}), whether it
 * changes things (only callers who may change may call it), the request field a library
 * validation error is about when the message alone does not say, and whether its handler is called
 * on the event loop: only a route whose work is a few kernel calls (a pin, tens of microseconds)
 * and that hands anything longer to the workers itself; the hand-off to a worker and back would
 * cost more than the operation (docs/daemon.md).
 */
public record Route(String method, String template, boolean changes, String field, Handler handler,
    boolean onLoop) {

  public Route(String method, String template, boolean changes, String field, Handler handler) {
    this(method, template, changes, field, handler, false);
  }

  /** A route's body: whole response, possibly later (library operations are asynchronous). */
  @FunctionalInterface
  public interface Handler {
    CompletableFuture<Response> handle(Request request);
  }

  /** The path parameters if {@code path} matches this template, else null. */
  Map<String, String> match(String path) {
    List<String> want = segments(template);
    List<String> got = segments(path);
    if (want.size() != got.size()) {
      return null;
    }
    Map<String, String> params = new HashMap<>();
    for (int i = 0; i < want.size(); i++) {
      String w = want.get(i);
      String g = got.get(i);
      if (w.startsWith("{") && w.endsWith("}")) {
        if (g.isEmpty()) {
          return null;
        }
        params.put(w.substring(1, w.length() - 1), g);
      } else if (!w.equals(g)) {
        return null;
      }
    }
    return params;
  }

  private static List<String> segments(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    return List.of(p.split("/", -1));
  }
}
