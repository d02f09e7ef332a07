package io.qtune.core.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qtune.core.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Arbitrary JSON specs, generated from the spec's own field names with arbitrary values and then
 * mutated as text: the reader gives a spec (which reads back the same when written out) or an
 * InvalidInputException, never another exception.
 */
class SpecProperties {
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> FIELDS = List.of("name", "iothreads", "vcpupin", "emulatorpin", "iothreadpin",
      "shares", "weight", "period", "quota", "global_period", "global_quota", "emulator_period", "emulator_quota",
      "iothread_period", "iothread_quota", "vcpusched", "iothreadsched", "emulatorsched", "numatune", "unknown",
      "id", "vcpu", "cpuset", "iothread", "poll_max_ns", "vcpus", "scheduler", "priority", "mode", "nodeset");

  @Provide
  Arbitrary<Object> values() {
    return Arbitraries.lazyOf(
        () -> Arbitraries.oneOf(Arbitraries.longs().between(-5, 2_000_000), Arbitraries.of(0L, 1L, 1000L, 100000L,
            Long.MAX_VALUE, Long.MIN_VALUE, 18446744073709551L)).map(x -> (Object) x),
        () -> Arbitraries.of("0", "1", "0-1", "^0", "1-0", "", "vm1", "fifo", "batch", "idle", "rr", "strict",
            "interleave", "a/b", "\u0000", "0,1,,", "99999").map(x -> (Object) x),
        () -> Arbitraries.of(true, false).map(x -> (Object) x),
        () -> Arbitraries.just(null),
        () -> values().list().ofMaxSize(3).map(x -> (Object) x),
        () -> objects().map(x -> (Object) x));
  }

  @Provide
  Arbitrary<Map<String, Object>> objects() {
    return Arbitraries.maps(Arbitraries.of(FIELDS), Arbitraries.lazy(this::values)).ofMaxSize(5)
        .map(m -> new LinkedHashMap<>(m));
  }

  @Provide
  Arbitrary<String> specs() {
    Arbitrary<String> text = objects().map(m -> {
      try {
        return JSON.writeValueAsString(m);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    // text mutations: a character dropped, doubled or replaced, or the text cut short
    return net.jqwik.api.Combinators.combine(text, Arbitraries.integers().between(0, 4),
        Arbitraries.integers().between(0, 10_000), Arbitraries.chars().ascii()).as((t, kind, at, c) -> {
          if (t.isEmpty() || kind == 0) {
            return t;
          }
          int i = at % t.length();
          return switch (kind) {
            case 1 -> t.substring(0, i) + t.substring(i + 1);
            case 2 -> t.substring(0, i) + t.charAt(i) + t.substring(i);
            case 3 -> t.substring(0, i) + c + t.substring(i + 1);
            default -> t.substring(0, i);
          };
        });
  }

  @Property(tries = 1000)
  void anySpecTextGivesASpecOrInvalidInput(@ForAll("specs") String text) throws Exception {
    TuningSpec spec;
    try {
      spec = SpecReader.parse(text);
    } catch (InvalidInputException expected) {
      assertNotNull(expected.getMessage());
      return;
    }
    assertNotNull(spec);
    // a spec that was accepted is stable: written out and read again it is the same spec
    assertEquals(spec, SpecReader.parse(JSON.writeValueAsString(spec)));
  }
}
