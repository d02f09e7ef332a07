package io.qtune.host.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** CpuSet's printed forms parse back to the same set; malformed lists are refused with a typed error. */
class CpuSetProperties {
  @Provide
  Arbitrary<Set<Integer>> cpus() {
    // dense low CPUs (ranges form) and a few sparse high ones, up to the largest CPU qtune accepts
    Arbitrary<Integer> cpu = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(8, Arbitraries.integers().between(0, 63)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, CpuSet.MAX_CPU)));
    return cpu.set().ofMaxSize(40);
  }

  static CpuSet of(java.util.Collection<Integer> cpus) {
    return CpuSet.of(cpus.stream().mapToInt(Integer::intValue).toArray());
  }

  @Property(tries = 500)
  void theKernelListRoundTrips(@ForAll("cpus") Set<Integer> cpus) {
    CpuSet s = of(cpus);
    assertEquals(s, CpuSet.parseList(s.toList()));
    if (!cpus.isEmpty()) {
      assertEquals(s, CpuSet.parse(s.toList()));
    }
  }

  @Property(tries = 500)
  void libvirtsSyntaxWithSpacesAndExclusionsParsesAsWritten(@ForAll("cpus") Set<Integer> cpus,
      @ForAll("cpus") Set<Integer> excluded) {
    if (cpus.isEmpty()) {
      return;
    }
    StringBuilder text = new StringBuilder();
    cpus.forEach(c -> text.append(text.length() == 0 ? "" : " , ").append(c));
    excluded.forEach(c -> text.append(",^").append(c));
    java.util.Set<Integer> want = new java.util.TreeSet<>(cpus);
    want.removeAll(excluded);
    assertEquals(of(want), CpuSet.parse(text.toString()));
  }

  @Provide
  Arbitrary<String> malformed() {
    Arbitrary<String> valid = cpus().filter(s -> !s.isEmpty()).map(s -> of(s).toList());
    Arbitrary<String> junk = Arbitraries.of("x", "-", "--", ",", ",,", "^", "1-", "-1", "^1-2", "3-1", " ", "a", "0x1",
        "1.5", "+1", "1_000", "\t,", "\u0660", "1-2-3");
    return net.jqwik.api.Combinators.combine(valid, junk, Arbitraries.integers().between(0, 2)).as((v, j, where) ->
        switch (where) {
          case 0 -> j + (j.endsWith(",") || j.equals("^") || j.equals("-") ? "" : ",") + v;
          case 1 -> v + "," + j;
          default -> v + j;
        }).filter(CpuSetProperties::isMalformed)
        .injectDuplicates(0.0);
  }

  /** Wrong by construction: not a comma-separated list of N, N-M (M >= N) and ^N. */
  static boolean isMalformed(String s) {
    String t = s.strip();
    if (t.isEmpty()) {
      return true;
    }
    for (String item : t.split(",", -1)) {
      String i = item.strip();
      if (i.matches("\\^?[0-9]+")) {
        continue;
      }
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]+)\\s*-\\s*([0-9]+)").matcher(i);
      if (m.matches() && Long.parseLong(m.group(2)) >= Long.parseLong(m.group(1))) {
        continue;
      }
      return true;
    }
    return false;
  }

  @Property(tries = 1000)
  void everyMalformedListIsRefusedWithCpuSetFormatException(@ForAll("malformed") String text) {
    assertThrows(CpuSetFormatException.class, () -> CpuSet.parse(text), text);
  }

  @Property(tries = 1000)
  void arbitraryTextParsesOrIsRefusedWithATypedError(@ForAll String text) {
    try {
      CpuSet.parse(text);
    } catch (CpuSetFormatException | CpuSetRangeException expected) {
      // typed, and nothing else
    }
  }
}
