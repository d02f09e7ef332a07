package io.qtune.daemon;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A whole HTTP response (every route but the event stream answers with one). */
public record Response(int status, String contentType, byte[] body, Map<String, String> headers) {
  public static final String JSON = "application/json";
  public static final String PROBLEM = "application/problem+json";

  public static Response json(int status, Object document) {
    return new Response(status, JSON, Json.bytes(document), Map.of());
  }

  public static Response created(String location, Object document) {
    return new Response(201, JSON, Json.bytes(document), Map.of("Location", location));
  }

  public static Response noContent() {
    return new Response(204, null, new byte[0], Map.of());
  }

  public static Response text(int status, String contentType, String body) {
    return new Response(status, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  public static Response problem(Problem p) {
    return new Response(p.status(), PROBLEM, Json.bytes(p.toJson()), Map.of());
  }
}
