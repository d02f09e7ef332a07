package io.qtune.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No VM name reaches outside the state directory: a hostile name is refused, a valid one stays inside. */
class StateDirTest {
  @TempDir Path dir;

  @Test
  void hostileNamesAreRefusedValidOnesStayInside() {
    StateDir state = new StateDir(dir);
    for (String name : List.of("../../etc/passwd", "a/b", "..", ".", "/abs", "x\u0000y", "v".repeat(300))) {
      assertThrows(InvalidInputException.class, () -> state.file(name, ".qmp"), name);
    }
    assertEquals(dir.resolve("vm-1.qmp"), state.file("vm-1", ".qmp"));
    assertEquals(dir.resolve("café vm.qmp"), state.file("café vm", ".qmp"));
  }
}
