package io.qtune.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No VM name reaches outside the state directory: sockets, logs and records stay inside it. */
class StateDirTest {
  @TempDir Path dir;

  @Test
  void hostileNamesStayInside() {
    StateDir state = new StateDir(dir);
    for (String name : List.of("../../etc/passwd", "a/b", "..", ".", "/abs", "x\u0000y", "café vm", "v".repeat(300))) {
      Path f = state.file(name, ".qmp");
      assertEquals(dir, f.getParent(), name);
      assertTrue(f.normalize().startsWith(dir), name);
    }
    assertEquals(dir.resolve("vm-1.qmp"), state.file("vm-1", ".qmp"));
  }
}
