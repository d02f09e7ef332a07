package io.qtune.daemon;

import io.qtune.testkit.CgroupSandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** What the kernel says, read directly: a thread's allowed CPUs, a group's files. */
final class Kernel {
  private Kernel() {}

  static String cpusAllowed(long pid, long tid) throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "task", Long.toString(tid), "status"))) {
      if (l.startsWith("Cpus_allowed_list:")) {
        return l.substring(l.indexOf(':') + 1).trim();
      }
    }
    throw new IllegalStateException("no Cpus_allowed_list for " + tid);
  }

  /** Whether a process runs: exists and is not a zombie (an orphan waits for init to reap it). */
  static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException e) {
      return false;
    }
  }

  /** {@code group/file} in whichever mounted hierarchy has it (v1 controllers, or v2). */
  static Optional<Path> file(String group, String file) {
    for (Path mount : CgroupSandbox.mounts()) {
      Path p = mount.resolve(group.substring(1)).resolve(file);
      if (Files.exists(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  static String read(String group, String file) throws IOException {
    Path p = file(group, file).orElseThrow(() -> new IllegalStateException("no " + file + " in " + group));
    return Files.readString(p).trim();
  }

  static boolean groupExists(String group) {
    for (Path mount : CgroupSandbox.mounts()) {
      if (Files.isDirectory(mount.resolve(group.substring(1)))) {
        return true;
      }
    }
    return false;
  }
}
