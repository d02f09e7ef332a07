package io.qtune.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Decides what a peer may do: root and members of the group that may change things ({@code qtune}
 * by default) may; anyone else may only read. Supplementary groups come from
 * {@code /proc/<pid>/status} (SO_PEERCRED carries only the primary gid); they are read only when
 * that file's real uid is still the peer's, so a pid reused by another user's process grants
 * nothing it would not grant the peer's uid alone.
 */
public final class Callers {
  private final Path procRoot;
  private final OptionalInt changeGroup;

  public Callers(Path procRoot, OptionalInt changeGroup) {
    this.procRoot = procRoot;
    this.changeGroup = changeGroup;
  }

  /** The gid of group {@code name} in /etc/group, if it exists. */
  public static OptionalInt groupId(Path etcGroup, String name) {
    try {
      for (String line : Files.readAllLines(etcGroup)) {
        String[] f = line.split(":", -1);
        if (f.length >= 3 && f[0].equals(name)) {
          return OptionalInt.of(Integer.parseInt(f[2].trim()));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // no such group: only root may change things
    }
    return OptionalInt.empty();
  }

  public OptionalInt changeGroup() {
    return changeGroup;
  }

  public Caller identify(int pid, int uid, int gid) {
    Set<Integer> groups = new HashSet<>();
    groups.add(gid);
    groups.addAll(supplementary(pid, uid));
    boolean may = uid == 0 || (changeGroup.isPresent() && groups.contains(changeGroup.getAsInt()));
    return new Caller(pid, uid, gid, Set.copyOf(groups), may);
  }

  private Set<Integer> supplementary(int pid, int uid) {
    Set<Integer> out = new HashSet<>();
    if (pid <= 0) {
      return out;
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(procRoot.resolve(Integer.toString(pid)).resolve("status"));
    } catch (IOException e) {
      return out; // the peer is gone already: its primary gid is all we know
    }
    boolean sameUser = false;
    for (String l : lines) {
      if (l.startsWith("Uid:")) {
        String[] f = l.substring(4).trim().split("\\s+");
        sameUser = f.length > 0 && f[0].equals(Integer.toString(uid));
      }
    }
    if (!sameUser) {
      return out;
    }
    for (String l : lines) {
      if (l.startsWith("Groups:")) {
        for (String g : l.substring(7).trim().split("\\s+")) {
          if (!g.isEmpty()) {
            out.add(Integer.parseInt(g));
          }
        }
      }
    }
    return out;
  }
}
