package io.qtune.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads what the kernel says about a thread straight from /proc, independently of the product's
 * own readers, so assertions do not trust the code under test.
 */
public final class ThreadProbe {
  private ThreadProbe() {}

  public static String cpusAllowedList(int pid, int tid) {
    return status(pid, tid, "Cpus_allowed_list");
  }

  public static String comm(int pid, int tid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/task/" + tid + "/comm")).trim();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  public static String status(int pid, int tid, String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/task/" + tid + "/status"))) {
        if (line.startsWith(key + ":")) {
          return line.substring(key.length() + 1).trim();
        }
      }
    } catch (IOException e) {
      throw new AssertionError("cannot read status of " + pid + "/" + tid, e);
    }
    throw new AssertionError(key + " missing in /proc/" + pid + "/task/" + tid + "/status");
  }

  /**
   * The thread's group in the v1 hierarchy whose controller list contains {@code controller}, or
   * on a cgroup v2 host (no such v1 hierarchy) its group in the unified tree: the same question
   * on every host kind, so no assertion compares null with null on v2.
   */
  public static String cgroup(int pid, int tid, String controller) {
    String unified = null;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/task/" + tid + "/cgroup"))) {
        String[] f = line.split(":", 3);
        if (List.of(f[1].split(",")).contains(controller)) {
          return f[2];
        }
        if (f[0].equals("0") && f[1].isEmpty()) {
          unified = f[2];
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    if (unified == null) {
      throw new AssertionError("thread " + tid + " of " + pid + " is in no '" + controller + "' hierarchy");
    }
    return unified;
  }

  public static List<Integer> tasks(int pid) {
    List<Integer> out = new ArrayList<>();
    try (var s = Files.list(Path.of("/proc/" + pid + "/task"))) {
      s.forEach(p -> out.add(Integer.parseInt(p.getFileName().toString())));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    out.sort(null);
    return out;
  }

  public static String read(Path file) {
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file, e);
    }
  }

  public static List<Integer> members(Path file) {
    List<Integer> out = new ArrayList<>();
    for (String l : read(file).split("\n")) {
      if (!l.isBlank()) {
        out.add(Integer.parseInt(l.trim()));
      }
    }
    out.sort(null);
    return out;
  }

  /**
   * Field {@code n} of /proc/PID/task/TID/stat, numbered as proc(5) numbers them (1 = pid, 40 =
   * rt_priority, 41 = policy); counted after the comm's closing parenthesis, which a thread name
   * may contain.
   */
  public static String stat(int pid, int tid, int n) {
    String stat = read(Path.of("/proc/" + pid + "/task/" + tid + "/stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[n - 3];
  }
}
