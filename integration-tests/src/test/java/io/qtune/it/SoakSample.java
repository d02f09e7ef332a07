package io.qtune.it;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the soak counts at one point: the JVM's open file descriptors and threads and its heap
 * after a full GC; cgroup directories under the partition (every hierarchy); files in the state
 * directories; live QEMU processes carrying the soak's marker
 * ({@code -smbios type=1,serial=MARKER}).
 */
record SoakSample(String at, long fds, long threads, long heapKib, long groups, long stateFiles, long qemus,
    List<String> fdTargets) {
  static final List<String> COLUMNS = List.of("fds", "threads", "heap KiB", "cgroups", "state files", "QEMUs");

  long value(int column) {
    return switch (column) {
      case 0 -> fds;
      case 1 -> threads;
      case 2 -> heapKib;
      case 3 -> groups;
      case 4 -> stateFiles;
      case 5 -> qemus;
      default -> throw new IllegalArgumentException("column " + column);
    };
  }

  /** Counts now. {@code partitionDirs}: the partition's directory in each hierarchy. */
  static SoakSample take(String at, List<Path> partitionDirs, List<Path> stateDirs, String marker) {
    System.gc();
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1024;
    long groups = 0;
    for (Path d : partitionDirs) {
      groups += count(d, Files::isDirectory) - (Files.isDirectory(d) ? 1 : 0); // below the partition
    }
    long files = 0;
    for (Path d : stateDirs) {
      files += count(d, p -> !Files.isDirectory(p));
    }
    List<String> targets = steadyFds();
    return new SoakSample(at, targets.size() - 1, // minus the listing's own fd
        javaThreads(), heap, groups, files, qemus(marker), targets);
  }

  /**
   * The fewest open fds of three listings 100 ms apart: a JVM thread may hold an fd for a moment
   * as a sample is taken (a /proc or cgroup read in passing; CI once counted one such fd as a
   * trend), a leaked fd is in all three.
   */
  static List<String> steadyFds() {
    List<String> fewest = openFds();
    for (int i = 0; i < 2; i++) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      List<String> now = openFds();
      if (now.size() < fewest.size()) {
        fewest = now;
      }
    }
    return fewest;
  }

  /** What each open fd points at ("socket:[123]", a path), sorted: the soak names an fd it judges. */
  static List<String> openFds() {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.map(p -> {
        try {
          return Files.readSymbolicLink(p).toString();
        } catch (IOException closed) {
          return null; // closed while listed: not open
        }
      }).filter(java.util.Objects::nonNull).sorted().toList();
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc/self/fd", e);
    }
  }

  /**
   * Live Java threads, not counting the JDK's own pools whose idle workers time out by themselves:
   * the common pool and the process reapers.
   */
  static long javaThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !t.getName().startsWith("ForkJoinPool.commonPool-worker"))
        .filter(t -> !t.getName().equals("process reaper")).count();
  }

  private static long count(Path dir, java.util.function.Predicate<Path> which) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(which).count();
    } catch (IOException e) {
      throw new IllegalStateException("cannot count " + dir, e);
    }
  }

  /** QEMU processes whose command line holds {@code marker}. */
  static long qemus(String marker) {
    try (Stream<Path> s = Files.list(Path.of("/proc"))) {
      return s.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
          .filter(p -> {
            try {
              String[] argv = new String(Files.readAllBytes(p.resolve("cmdline"))).split("\0");
              // argv[0] only: the ./qtune launch JVM carries QEMU's arguments too
              return argv.length > 0 && Path.of(argv[0]).getFileName().toString().startsWith("qemu-system")
                  && String.join(" ", argv).contains(marker);
            } catch (IOException gone) {
              return false;
            }
          }).count();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
