package io.qtune.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

  /** 0711 (the daemon's socket lives inside: traverse, never list) is kept; any other mode goes back to 0700. */
  @Test
  void traverseOnlyModeIsKeptAnyOtherIsMadePrivate() throws Exception {
    Path d = dir.resolve("run");
    StateDir state = new StateDir(d);
    state.ensure();
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
    Files.setPosixFilePermissions(d, StateDir.TRAVERSE_MODE);
    state.ensure();
    assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
    state.ensure();
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
  }
}
