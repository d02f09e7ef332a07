package io.qtune.core.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.qtune.core.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a {@link TuningSpec} from JSON. Unknown fields are collected over the whole document and
 * reported together (Jackson alone stops at the first), so a typo never silently means "unset".
 */
public final class SpecReader {
  private static final Set<String> TOP = Set.of("name", "iothreads", "vcpupin", "emulatorpin",
      "iothreadpin", "shares", "weight", "period", "quota", "global_period", "global_quota",
      "emulator_period", "emulator_quota", "iothread_period", "iothread_quota", "vcpusched",
      "iothreadsched", "emulatorsched", "numatune");
  private static final Map<String, Set<String>> NESTED = Map.of(
      "iothreads", Set.of("id", "poll_max_ns", "poll_grow", "poll_shrink", "aio_max_batch",
          "thread_pool_min", "thread_pool_max"),
      "vcpupin", Set.of("vcpu", "cpuset"),
      "iothreadpin", Set.of("iothread", "cpuset"),
      "vcpusched", Set.of("vcpus", "scheduler", "priority"),
      "iothreadsched", Set.of("iothreads", "scheduler", "priority"),
      "emulatorsched", Set.of("scheduler", "priority"),
      "numatune", Set.of("mode", "nodeset"));

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
      .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
      .configure(SerializationFeature.INDENT_OUTPUT, true);

  private SpecReader() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  public static TuningSpec read(Path file) {
    try {
      return parse(Files.readString(file), file.toString());
    } catch (IOException e) {
      throw new InvalidInputException("cannot read spec file " + file + ": " + e.getMessage());
    }
  }

  public static TuningSpec parse(String json) {
    return parse(json, "spec");
  }

  private static TuningSpec parse(String json, String source) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException(source + " is not valid JSON: " + e.getOriginalMessage()
          + " (line " + e.getLocation().getLineNr() + ")");
    }
    if (root == null || !root.isObject()) {
      throw new InvalidInputException(source + " must be a JSON object");
    }
    List<String> problems = new ArrayList<>();
    unknown(root, TOP, "", problems);
    NESTED.forEach((field, allowed) -> {
      JsonNode n = root.get(field);
      if (n == null) {
        return;
      }
      if (n.isArray()) {
        for (int i = 0; i < n.size(); i++) {
          unknown(n.get(i), allowed, field + "[" + i + "].", problems);
        }
      } else {
        unknown(n, allowed, field + ".", problems);
      }
    });
    if (!problems.isEmpty()) {
      throw new InvalidInputException(problems);
    }
    try {
      return MAPPER.treeToValue(root, TuningSpec.class);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException(source + ": " + e.getOriginalMessage());
    }
  }

  private static void unknown(JsonNode node, Set<String> allowed, String prefix, List<String> out) {
    if (node == null || !node.isObject()) {
      return;
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        out.add("unknown field '" + prefix + f + "' (allowed: " + String.join(", ",
            allowed.stream().sorted().toList()) + ")");
      }
    }
  }

  public static String write(TuningSpec spec) {
    try {
      return MAPPER.writeValueAsString(spec);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
