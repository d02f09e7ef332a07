package io.qtune.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Every value file and membership list under a set of directories, so a test can prove that a
 * refused operation changed nothing (compare a dump before and after).
 */
public final class CgroupDump {
  private CgroupDump() {}

  private static final java.util.Set<String> FILES = java.util.Set.of("cpuset.cpus", "cpuset.mems",
      "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares", "cpu.max", "cpu.weight", "tasks",
      "cgroup.threads", "cgroup.procs", "cgroup.type", "cpuset.memory_migrate", "cgroup.subtree_control");

  public static Map<String, String> of(Iterable<Path> dirs) {
    Map<String, String> out = new TreeMap<>();
    for (Path dir : dirs) {
      try (Stream<Path> s = Files.walk(dir)) {
        s.filter(p -> FILES.contains(p.getFileName().toString())).forEach(p -> {
          try {
            out.put(p.toString(), Files.readString(p).trim());
          } catch (IOException e) {
            out.put(p.toString(), "<" + e.getMessage() + ">");
          }
        });
      } catch (IOException e) {
        out.put(dir.toString(), "<" + e.getMessage() + ">");
      }
    }
    return out;
  }
}
