package io.qtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The soak's judge and its fd count: a leak is still seen after the count ignores passing fds. */
class SoakVerdictTest {
  @TempDir Path dir;

  @Test
  void anFdHeldAcrossTheSampleIsCountedAndNamed() throws Exception {
    Path f = Files.writeString(dir.resolve("held"), "x");
    try (FileInputStream held = new FileInputStream(f.toFile())) {
      List<String> during = SoakSample.steadyFds();
      assertTrue(during.contains(f.toString()), during.toString());
    }
    assertTrue(!SoakSample.steadyFds().contains(f.toString()), "closed: not counted");
  }

  @Test
  void anFdThatStaysOpenIsATrendAPassingOneIsNot() {
    List<SoakSample> leak = List.of(sample("start", 60), sample("10", 63), sample("20", 63), sample("30", 64),
        sample("40", 65), sample("50", 66), sample("end", 60));
    assertEquals(List.of("fds trend: last 66 above the first half's highest 64"), SoakVerdict.judge(leak));
    List<SoakSample> flat = List.of(sample("start", 60), sample("10", 63), sample("20", 63), sample("30", 63),
        sample("40", 63), sample("50", 63), sample("end", 60));
    assertEquals(List.of(), SoakVerdict.judge(flat));
  }

  private static SoakSample sample(String at, long fds) {
    boolean inRun = !at.equals("start") && !at.equals("end");
    return new SoakSample(at, fds, inRun ? 11 : 8, 6000, 0, 4, 0, List.of());
  }
}
