package io.qtune.core.faults;

import io.qtune.testkit.CgroupDump;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.ThreadProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Everything a rollback must restore, as text: the partition's cgroup files with values and
 * members, every QEMU thread's groups, affinity and scheduler policy, QEMU's iothreads, and the
 * files in the state directory.
 */
final class StateProbe {
  private StateProbe() {
  }

  static Map<String, String> of(CgroupSandbox sb, int pid, Supplier<List<String>> iothreads, Path stateDir) {
    Map<String, String> out = new TreeMap<>(CgroupDump.of(sb.dirs()));
    for (int tid : ThreadProbe.tasks(pid)) {
      String comm;
      try {
        comm = ThreadProbe.comm(pid, tid);
      } catch (RuntimeException | AssertionError gone) {
        continue; // a worker that exited while we looked
      }
      if (comm.startsWith("worker")) {
        continue; // QEMU's thread-pool workers come and go on their own
      }
      String key = tid + " " + comm;
      try {
        out.put("affinity " + key, ThreadProbe.cpusAllowedList(pid, tid));
        out.put("policy " + key, policy(pid, tid));
        out.put("cgroup " + key, String.join(";", Files.readAllLines(
            Path.of("/proc/" + pid + "/task/" + tid + "/cgroup"))));
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
    out.put("iothreads", String.join(",", iothreads.get().stream().sorted().toList()));
    out.put("state files", String.join(",", stateFiles(stateDir)));
    return out;
  }

  /** The scheduling policy and priority, fields 40 and 41 of /proc/PID/task/TID/stat. */
  static String policy(int pid, int tid) {
    return ThreadProbe.stat(pid, tid, 41) + "/" + ThreadProbe.stat(pid, tid, 40);
  }

  static List<String> stateFiles(Path dir) {
    if (dir == null || !Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".lock")).sorted().toList();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
