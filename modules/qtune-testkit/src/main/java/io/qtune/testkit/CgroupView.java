package io.qtune.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a group's values from the raw files, on cgroup v1 (cpu and cpuset hierarchies) or v2
 * (one unified tree), so one test body asserts the same facts on both.
 */
public final class CgroupView {
  private final boolean v2;
  private final Path cpu;
  private final Path cpuset;

  private CgroupView(boolean v2, Path cpu, Path cpuset) {
    this.v2 = v2;
    this.cpu = cpu;
    this.cpuset = cpuset;
  }

  /** The live host's view: v2 when /sys/fs/cgroup itself is cgroup2 with cpu, v1 otherwise. */
  public static CgroupView live() {
    Path root = Path.of("/sys/fs/cgroup");
    for (Path m : CgroupSandbox.mounts()) {
      if (m.equals(root)) {
        return new CgroupView(true, root, root);
      }
    }
    return new CgroupView(false, v1Mount("cpu").orElse(root.resolve("cpu")),
        v1Mount("cpuset").orElse(root.resolve("cpuset")));
  }

  /** Where the v1 hierarchy with {@code controller} is mounted (joint {@code cpu,cpuacct} too). */
  public static java.util.Optional<Path> v1Mount(String controller) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] halves = line.split(" - ", 2);
        if (halves.length < 2) {
          continue;
        }
        String[] right = halves[1].split(" ");
        if (right[0].equals("cgroup") && right.length > 2
            && List.of(right[2].split(",")).contains(controller)) {
          return java.util.Optional.of(Path.of(halves[0].split(" ")[4]));
        }
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return java.util.Optional.empty();
  }

  public boolean v2() {
    return v2;
  }

  /** Directories of {@code group} (relative path, e.g. /p/qemu-1-vm.libvirt-qemu/vcpu0). */
  public List<Path> dirs(String group) {
    return v2 ? List.of(at(cpu, group)) : List.of(at(cpu, group), at(cpuset, group));
  }

  public boolean exists(String group) {
    return dirs(group).stream().allMatch(Files::isDirectory);
  }

  public boolean existsAnywhere(String group) {
    return dirs(group).stream().anyMatch(Files::isDirectory);
  }

  public String cpus(String group) {
    return ThreadProbe.read(at(cpuset, group).resolve("cpuset.cpus"));
  }

  public String effectiveCpus(String group) {
    return ThreadProbe.read(at(cpuset, group).resolve(v2 ? "cpuset.cpus.effective" : "cpuset.effective_cpus"));
  }

  public String mems(String group) {
    return ThreadProbe.read(at(cpuset, group).resolve("cpuset.mems"));
  }

  public long period(String group) {
    if (v2) {
      return Long.parseLong(ThreadProbe.read(at(cpu, group).resolve("cpu.max")).split(" ")[1]);
    }
    return Long.parseLong(ThreadProbe.read(at(cpu, group).resolve("cpu.cfs_period_us")));
  }

  /** -1 for unlimited on both versions. */
  public long quota(String group) {
    if (v2) {
      String q = ThreadProbe.read(at(cpu, group).resolve("cpu.max")).split(" ")[0];
      return q.equals("max") ? -1 : Long.parseLong(q);
    }
    return Long.parseLong(ThreadProbe.read(at(cpu, group).resolve("cpu.cfs_quota_us")));
  }

  /** cpu.shares on v1, cpu.weight on v2. */
  public long weight(String group) {
    return Long.parseLong(ThreadProbe.read(at(cpu, group).resolve(v2 ? "cpu.weight" : "cpu.shares")));
  }

  /** Thread members in both the cpu and cpuset hierarchies (they must agree). */
  public List<Integer> threads(String group) {
    if (v2) {
      return ThreadProbe.members(at(cpu, group).resolve("cgroup.threads"));
    }
    List<Integer> a = ThreadProbe.members(at(cpu, group).resolve("tasks"));
    List<Integer> b = ThreadProbe.members(at(cpuset, group).resolve("tasks"));
    if (!a.equals(b)) {
      throw new AssertionError("cpu and cpuset members of " + group + " differ: " + a + " vs " + b);
    }
    return a;
  }

  public String type(String group) {
    return ThreadProbe.read(at(cpu, group).resolve("cgroup.type"));
  }

  /** The group a thread is in (cpuset hierarchy on v1, unified on v2). */
  public String groupOf(int pid, int tid) {
    if (v2) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/task/" + tid + "/cgroup"))) {
          if (line.startsWith("0::")) {
            return line.substring(3);
          }
        }
      } catch (java.io.IOException e) {
        throw new AssertionError(e);
      }
      return null;
    }
    return ThreadProbe.cgroup(pid, tid, "cpuset");
  }

  private static Path at(Path mount, String group) {
    return mount.resolve(group.startsWith("/") ? group.substring(1) : group);
  }
}
