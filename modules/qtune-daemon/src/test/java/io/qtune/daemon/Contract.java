package io.qtune.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * docs/api/openapi.yaml parsed with swagger-parser, and a small schema check for responses: types
 * (3.1 type arrays, null), required properties, array items, allOf, oneOf, enum/const, $ref. What
 * a client relies on; formats and patterns are not checked.
 */
final class Contract {
  static final Path FILE = Path.of(System.getProperty("qtune.repo", "../.."), "docs", "api", "openapi.yaml");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Contract loaded;

  final OpenAPI api;

  private Contract(OpenAPI api) {
    this.api = api;
  }

  static synchronized Contract load() {
    if (loaded == null) {
      ParseOptions o = new ParseOptions();
      o.setResolve(true);
      SwaggerParseResult r = new OpenAPIParser().readLocation(FILE.toAbsolutePath().toString(), null, o);
      if (r.getOpenAPI() == null) {
        throw new IllegalStateException("cannot parse " + FILE + ": " + r.getMessages());
      }
      if (r.getMessages() != null && !r.getMessages().isEmpty()) {
        throw new IllegalStateException(FILE + " has problems: " + r.getMessages());
      }
      loaded = new Contract(r.getOpenAPI());
    }
    return loaded;
  }

  /** Every documented operation as "METHOD /template". */
  Set<String> operations() {
    Set<String> out = new TreeSet<>();
    api.getPaths().forEach((path, item) -> item.readOperationsMap().keySet()
        .forEach(m -> out.add(m.name() + " " + path)));
    return out;
  }

  /**
   * Checks a reply against the documented response of {@code method template} for its status:
   * the status must be documented, and a body must match the schema of its content type.
   * Returns the problems (empty when it matches).
   */
  List<String> check(String method, String template, int status, String contentType, String body) throws IOException {
    List<String> problems = new ArrayList<>();
    PathItem item = api.getPaths().get(template);
    if (item == null) {
      return List.of("undocumented path " + template);
    }
    Operation op = item.readOperationsMap().get(PathItem.HttpMethod.valueOf(method));
    if (op == null) {
      return List.of("undocumented operation " + method + " " + template);
    }
    ApiResponse resp = op.getResponses().get(Integer.toString(status));
    if (resp == null) {
      return List.of(method + " " + template + ": status " + status + " is not documented");
    }
    resp = resolveResponse(resp);
    if (resp.getContent() == null || resp.getContent().isEmpty()) {
      if (body != null && !body.isEmpty()) {
        problems.add(method + " " + template + " " + status + ": documented without a body, got one");
      }
      return problems;
    }
    String type = contentType == null ? "" : contentType.split(";")[0].trim();
    MediaType media = resp.getContent().get(type);
    if (media == null) {
      return List.of(method + " " + template + " " + status + ": content type '" + type + "' is not documented ("
          + resp.getContent().keySet() + ")");
    }
    if (type.equals("application/json") || type.endsWith("+json")) {
      check(media.getSchema(), JSON.readTree(body), "$", problems);
    }
    return problems;
  }

  private ApiResponse resolveResponse(ApiResponse r) {
    if (r.get$ref() != null) {
      String name = r.get$ref().substring(r.get$ref().lastIndexOf('/') + 1);
      return api.getComponents().getResponses().get(name);
    }
    return r;
  }

  @SuppressWarnings("rawtypes")
  Schema<?> resolve(Schema<?> s) {
    while (s != null && s.get$ref() != null) {
      String name = s.get$ref().substring(s.get$ref().lastIndexOf('/') + 1);
      Schema next = api.getComponents().getSchemas().get(name);
      if (next == null) {
        throw new IllegalStateException("unresolved " + s.get$ref());
      }
      s = next;
    }
    return s;
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  void check(Schema<?> schema, JsonNode v, String at, List<String> out) {
    Schema<?> s = resolve(schema);
    if (s == null) {
      return;
    }
    if (s.getAllOf() != null) {
      for (Schema part : s.getAllOf()) {
        check(part, v, at, out);
      }
    }
    if (s.getOneOf() != null) {
      int matching = 0;
      for (Schema alt : s.getOneOf()) {
        List<String> p = new ArrayList<>();
        check(alt, v, at, p);
        if (p.isEmpty()) {
          matching++;
        }
      }
      if (matching == 0) {
        out.add(at + ": matches none of the oneOf alternatives");
      }
    }
    Set<String> types = s.getTypes() != null ? s.getTypes() : s.getType() != null ? Set.of(s.getType()) : Set.of();
    if (!types.isEmpty() && !types.stream().anyMatch(t -> isType(t, v))) {
      out.add(at + ": expected " + types + ", got " + v.getNodeType().name().toLowerCase() + " " + v);
      return;
    }
    if (s.getConst() != null && !JSON.valueToTree(s.getConst()).equals(v)) {
      out.add(at + ": expected the constant " + s.getConst() + ", got " + v);
    }
    if (s.getEnum() != null && !s.getEnum().isEmpty() && !v.isNull()) {
      boolean found = false;
      for (Object e : s.getEnum()) {
        found |= JSON.valueToTree(e).equals(v);
      }
      if (!found) {
        out.add(at + ": " + v + " is not one of " + s.getEnum());
      }
    }
    if (v.isObject()) {
      if (s.getRequired() != null) {
        for (String r : s.getRequired()) {
          if (!v.has(r)) {
            out.add(at + ": required property '" + r + "' is missing");
          }
        }
      }
      Map<String, Schema> props = (Map) s.getProperties();
      if (props != null) {
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> f = it.next();
          Schema<?> p = props.get(f.getKey());
          if (p != null) {
            check(p, f.getValue(), at + "." + f.getKey(), out);
          }
        }
      }
    }
    if (v.isArray() && s.getItems() != null) {
      for (int i = 0; i < v.size(); i++) {
        check(s.getItems(), v.get(i), at + "[" + i + "]", out);
      }
    }
  }

  private static boolean isType(String t, JsonNode v) {
    return switch (t) {
      case "null" -> v.isNull();
      case "object" -> v.isObject();
      case "array" -> v.isArray();
      case "string" -> v.isTextual();
      case "integer" -> v.isIntegralNumber();
      case "number" -> v.isNumber();
      case "boolean" -> v.isBoolean();
      default -> true;
    };
  }
}
