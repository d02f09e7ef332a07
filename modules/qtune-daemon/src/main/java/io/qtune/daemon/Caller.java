package io.qtune.daemon;

import java.util.Set;

/**
 * Who is on the other end of a connection, from SO_PEERCRED (uid, gid, pid at connect time) and
 * the peer's supplementary groups read from /proc right after accept.
 *
 * @param mayChange root, or a member of group {@code qtune} (primary or supplementary)
 */
public record Caller(int pid, int uid, int gid, Set<Integer> groups, boolean mayChange) {
  @Override
  public String toString() {
    return "uid " + uid + " pid " + pid;
  }
}
