package io.qtune.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A cgroup partition of one's own for a test (e.g. {@code /qtune-coretest-1a2b3c}), removed with
 * everything under it on close, even when the test failed with threads still inside: those are
 * moved back to the root group first.
 */
public final class CgroupSandbox implements AutoCloseable {
  private static final Path CGROUP = Path.of("/sys/fs/cgroup");
  private final String partition;
  private final Thread hook = new Thread(this::removeAll, "qtune-testkit-cgroup-sandbox");

  public CgroupSandbox(String owner) {
    this.partition = "/qtune-" + owner + "-" + UUID.randomUUID().toString().substring(0, 8);
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** The partition to give qtune, e.g. {@code /qtune-coretest-1a2b3c4d}. */
  public String partition() {
    return partition;
  }

  /**
   * The partition's group paths as qtune may name them: {@code /qtune-coretest-1a2b3c4d} (as given),
   * {@code /qtune-coretest-1a2b3c4d.partition} (libvirt's suffix) and, with systemd as init,
   * {@code /qtune\x2dcoretest\x2d1a2b3c4d.slice}.
   */
  public List<String> groupPaths() {
    String first = partition.substring(1);
    return List.of("/" + first, "/" + first + ".partition", "/" + first.replace("-", "\\x2d") + ".slice");
  }

  /**
   * What a test left: the partition's own directories, and anything below the partition's systemd
   * slice (the slice itself is systemd's unit, kept after its scopes as machine.slice is).
   */
  public List<Path> leftovers() {
    List<Path> out = new ArrayList<>();
    for (Path dir : dirs()) {
      if (!isSlice(dir)) {
        out.add(dir);
        continue;
      }
      try (Stream<Path> s = Files.list(dir)) {
        s.filter(Files::isDirectory).forEach(out::add);
      } catch (IOException | java.io.UncheckedIOException e) {
        // removed while listing: nothing left there
      }
    }
    return out;
  }

  private static boolean isSlice(Path dir) {
    return dir.getFileName().toString().endsWith(".slice");
  }

  /** True where systemd is init and qtune places VMs in scopes (cgroup v2, or v1 with cpuset). */
  public static boolean systemd() {
    return Files.isDirectory(Path.of("/run/systemd/system"))
        && (CgroupView.live().v2() || CgroupView.v1Mount("cpuset").isPresent());
  }

  /** The partition directories that exist now, in every mounted hierarchy. */
  public List<Path> dirs() {
    List<Path> out = new ArrayList<>();
    for (Path mount : mounts()) {
      for (String group : groupPaths()) {
        String candidate = group.substring(1);
        Path p = mount.resolve(candidate);
        if (Files.isDirectory(p)) {
          out.add(p);
        }
      }
    }
    return out;
  }

  /** Every cgroup hierarchy mounted on this host: v1 controllers, the unified tree, or v2 itself. */
  public static List<Path> mounts() {
    List<Path> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] halves = line.split(" - ", 2);
        if (halves.length < 2) {
          continue;
        }
        String fstype = halves[1].split(" ")[0];
        if (fstype.equals("cgroup") || fstype.equals("cgroup2")) {
          String mountPoint = halves[0].split(" ")[4];
          if (!halves[1].contains("name=systemd")) {
            out.add(Path.of(mountPoint));
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  @Override
  public void close() {
    removeAll();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook is running or ran
    }
  }

  private synchronized void removeAll() {
    for (Path dir : dirs()) {
      Path root = rootOf(dir);
      List<Path> groups = null;
      // systemd removes an emptied scope by itself, maybe while this walks: walk again
      for (int attempt = 0; attempt < 20 && groups == null; attempt++) {
        try (Stream<Path> s = Files.walk(dir)) {
          groups = s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
        } catch (IOException | java.io.UncheckedIOException e) {
          if (!Files.isDirectory(dir)) {
            break;
          }
          sleep(20);
        }
      }
      if (groups == null) {
        continue;
      }
      for (Path g : groups) {
        if (g.equals(dir) && isSlice(dir)) {
          continue; // systemd's unit (it stays after its scopes, as machine.slice does): not ours
        }
        evacuate(g, root);
        for (int i = 0; i < 50; i++) {
          try {
            Files.deleteIfExists(g);
            break;
          } catch (IOException busy) {
            sleep(20);
            evacuate(g, root);
          }
        }
      }
    }
  }

  private static Path rootOf(Path dir) {
    for (Path m : mounts()) {
      if (dir.startsWith(m)) {
        return m;
      }
    }
    return CGROUP;
  }

  private static void evacuate(Path group, Path root) {
    for (String file : List.of("cgroup.threads", "tasks")) {
      Path members = group.resolve(file);
      if (!Files.exists(members)) {
        continue;
      }
      try {
        for (String tid : Files.readAllLines(members)) {
          if (!tid.isBlank()) {
            try {
              String target = file.equals("tasks") ? "tasks" : "cgroup.procs";
              Files.writeString(root.resolve(target), tid.trim(), java.nio.file.StandardOpenOption.WRITE);
            } catch (IOException ignored) {
              // the thread may be gone already
            }
          }
        }
      } catch (IOException ignored) {
        // group vanished
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
