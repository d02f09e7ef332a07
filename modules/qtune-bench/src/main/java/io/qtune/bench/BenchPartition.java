package io.qtune.bench;

import io.qtune.host.cpu.CpuSet;
import io.qtune.host.sched.ThreadAffinity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The bench's own cgroup partition ({@code /qtune-bench-<rand>}, a directory
 * {@code qtune-bench-<rand>.partition} in every v1 hierarchy). {@link #reset} puts a VM back as it
 * was between iterations (threads to the root group, affinity to all CPUs, groups removed);
 * {@link #close} removes the partition, also at JVM exit.
 */
public final class BenchPartition implements AutoCloseable {
  private final String partition;
  private final List<Path> mounts;

  public BenchPartition() {
    this.partition = "/qtune-bench-" + UUID.randomUUID().toString().substring(0, 8);
    this.mounts = cgroupMounts();
    Runtime.getRuntime().addShutdownHook(new Thread(this::close));
  }

  /** For {@code QtuneOptions.withPartition}. */
  public String partition() {
    return partition;
  }

  /** The directory name qtune makes for it ({@code .partition} suffix: libvirt's escaping). */
  public String dirName() {
    return partition.substring(1) + ".partition";
  }

  /** Moves every thread of {@code pid} to the root groups, resets its affinity, removes {@code domainDir}. */
  public void reset(int pid, String domainDir, CpuSet allCpus) {
    for (Path m : mounts) {
      Path procs = m.resolve("cgroup.procs");
      if (Files.exists(m.resolve(dirName()))) {
        write(procs, Integer.toString(pid));
      }
    }
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Integer.toString(pid), "task"))) {
      tasks.forEach(t -> {
        try {
          ThreadAffinity.set(Integer.parseInt(t.getFileName().toString()), allCpus);
        } catch (RuntimeException gone) {
          // thread exited
        }
      });
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    for (Path m : mounts) {
      removeTree(m.resolve(dirName()).resolve(domainDir));
    }
  }

  /** Removes every group left under the partition (domains of all VMs), then the partition. */
  @Override
  public synchronized void close() {
    for (Path m : mounts) {
      Path p = m.resolve(dirName());
      if (Files.isDirectory(p)) {
        evacuateTree(p, m);
        removeTree(p);
      }
    }
  }

  /** Directories of this partition that still exist (should be none after close). */
  public List<Path> leftovers() {
    List<Path> out = new ArrayList<>();
    for (Path m : mounts) {
      if (Files.exists(m.resolve(dirName()))) {
        out.add(m.resolve(dirName()));
      }
    }
    return out;
  }

  private static void evacuateTree(Path dir, Path root) {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path g : s.filter(Files::isDirectory).toList()) {
        Path tasks = g.resolve("tasks");
        if (Files.exists(tasks)) {
          for (String tid : Files.readAllLines(tasks)) {
            if (!tid.isBlank()) {
              write(root.resolve("tasks"), tid.trim());
            }
          }
        }
      }
    } catch (IOException e) {
      // vanished meanwhile
    }
  }

  private static void removeTree(Path dir) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    List<Path> dirs;
    try (Stream<Path> s = Files.walk(dir)) {
      dirs = s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
    } catch (IOException e) {
      return;
    }
    for (Path d : dirs) {
      for (int i = 0; ; i++) {
        try {
          Files.deleteIfExists(d);
          break;
        } catch (IOException busy) {
          if (i == 50) {
            throw new IllegalStateException("cannot remove " + d + ": " + busy.getMessage(), busy);
          }
          Bench.sleep(20);
        }
      }
    }
  }

  private static void write(Path file, String value) {
    try {
      Files.writeString(file, value, StandardOpenOption.WRITE);
    } catch (IOException e) {
      // the thread exited: nothing to move
    }
  }

  /** v1 hierarchies the bench's layout uses, verified to be cgroup filesystems (not the tmpfs). */
  private static List<Path> cgroupMounts() {
    List<Path> out = new ArrayList<>();
    for (String c : List.of("cpu", "cpuacct", "cpuset")) {
      Path p = Path.of("/sys/fs/cgroup", c);
      try {
        if (Files.isDirectory(p) && Files.getFileStore(p).type().equals("cgroup")) {
          out.add(p);
        }
      } catch (IOException e) {
        // not mounted
      }
    }
    if (out.size() != 3) {
      throw new IllegalStateException("the bench needs cgroup v1 cpu, cpuacct and cpuset mounted separately under "
          + "/sys/fs/cgroup (found " + out + ")");
    }
    return out;
  }
}
