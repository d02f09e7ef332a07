package io.qtune.daemon;

import java.util.List;
import java.util.Map;

/** One HTTP request as a route sees it: path parameters resolved, the body whole. */
public record Request(String method, String path, Map<String, String> params, Map<String, List<String>> query,
    byte[] body, Caller caller) {

  public String param(String name) {
    return params.get(name);
  }

  public String queryParam(String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? null : v.get(v.size() - 1);
  }

  /** Method and path, the problem document's {@code instance}. */
  public String instance() {
    return method + " " + path;
  }
}
