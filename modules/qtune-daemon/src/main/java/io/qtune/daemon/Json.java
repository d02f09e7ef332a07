package io.qtune.daemon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Iterator;
import java.util.Set;

/** The daemon's JSON: writing documents, and reading small fixed bodies strictly. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper()
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private Json() {}

  static byte[] bytes(Object document) {
    try {
      return MAPPER.writeValueAsBytes(document);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A JSON object body with only {@code allowed} fields, or a 400 naming what is wrong. */
  static ObjectNode object(byte[] body, Set<String> allowed) {
    if (body == null || body.length == 0) {
      throw ApiException.badRequest("the request needs a JSON object body (fields: "
          + String.join(", ", allowed.stream().sorted().toList()) + ")", null);
    }
    JsonNode n;
    try {
      n = MAPPER.readTree(body);
    } catch (IOException e) {
      String msg = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      throw ApiException.badRequest("the body is not valid JSON: " + msg, null);
    }
    if (n == null || !n.isObject()) {
      throw ApiException.badRequest("the body must be a JSON object", null);
    }
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        throw ApiException.badRequest("unknown field '" + f + "' (allowed: "
            + String.join(", ", allowed.stream().sorted().toList()) + ")", f);
      }
    }
    return (ObjectNode) n;
  }

  static String requiredText(ObjectNode o, String field) {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      throw ApiException.badRequest("field '" + field + "' is required", field);
    }
    if (!v.isTextual()) {
      throw ApiException.badRequest("field '" + field + "' must be a string, got " + v.getNodeType().name().toLowerCase(), field);
    }
    return v.asText();
  }

  static long requiredLong(ObjectNode o, String field) {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      throw ApiException.badRequest("field '" + field + "' is required", field);
    }
    return integer(v, field);
  }

  static Long optionalLong(ObjectNode o, String field) {
    JsonNode v = o.get(field);
    return v == null || v.isNull() ? null : integer(v, field);
  }

  static int requiredInt(ObjectNode o, String field) {
    long v = requiredLong(o, field);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw ApiException.badRequest("field '" + field + "' is out of range: " + v, field);
    }
    return (int) v;
  }

  private static long integer(JsonNode v, String field) {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw ApiException.badRequest("field '" + field + "' must be an integer, got " + v, field);
    }
    return v.asLong();
  }
}
