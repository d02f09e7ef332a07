package io.qtune.core;

import io.qtune.testkit.CgroupSandbox;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** RollbackTest's group lookup for the fault sweeps in io.qtune.core.faults. */
public final class RollbackTestAccess {
  private RollbackTestAccess() {
  }

  public static List<Path> groupsNamed(CgroupSandbox sb, String name) throws IOException {
    return RollbackTest.groupsNamed(sb, name);
  }
}
