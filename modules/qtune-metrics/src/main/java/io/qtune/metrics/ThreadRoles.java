package io.qtune.metrics;

import io.qtune.core.IothreadThread;
import io.qtune.core.VcpuThread;
import io.qtune.core.VmThreads;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The threads of one VM by role, from its discovered vCPU and iothread threads and the tasks the
 * process has now: a vCPU or iothread with a thread of its own, and the emulator (every other task).
 */
final class ThreadRoles {
  /** @param id the vCPU index or iothread id; null for the emulator */
  record Role(String role, String id, List<Integer> tids) {}

  private ThreadRoles() {}

  static List<Role> of(VmThreads t, List<Integer> tasks) {
    Set<Integer> live = new HashSet<>(tasks);
    Set<Integer> owned = new HashSet<>();
    List<Role> out = new ArrayList<>();
    for (VcpuThread v : t.vcpus()) {
      // tid 0: single-threaded TCG runs every vCPU on one thread, counted with the emulator
      if (v.tid() > 0 && live.contains(v.tid()) && owned.add(v.tid())) {
        out.add(new Role("vcpu", Integer.toString(v.index()), List.of(v.tid())));
      }
    }
    for (IothreadThread i : t.iothreads()) {
      if (i.tid() > 0 && live.contains(i.tid()) && owned.add(i.tid())) {
        out.add(new Role("iothread", Integer.toString(i.id()), List.of(i.tid())));
      }
    }
    List<Integer> emulator = tasks.stream().filter(tid -> !owned.contains(tid)).toList();
    if (!emulator.isEmpty()) {
      out.add(new Role("emulator", null, emulator));
    }
    return out;
  }
}
