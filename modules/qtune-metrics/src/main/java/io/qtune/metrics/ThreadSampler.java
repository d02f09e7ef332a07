package io.qtune.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import io.qtune.host.proc.TaskCounters;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Per role of one VM: the schedstat, stat and status counters of its threads, read now. A role's
 * counters are the sum over its threads; a thread gone before it is read is left out.
 */
final class ThreadSampler {
  private final Path root;

  ThreadSampler(Path root) {
    this.root = root;
  }

  void sample(Families out, String vm, int pid, List<ThreadRoles.Role> roles) {
    int vcpus = 0;
    int iothreads = 0;
    int emulators = 0;
    for (ThreadRoles.Role r : roles) {
      long run = 0;
      long wait = 0;
      long slices = 0;
      long vol = 0;
      long invol = 0;
      int lastCpu = -1;
      int read = 0;
      for (int tid : r.tids()) {
        Optional<TaskCounters> c = TaskCounters.read(root, pid, tid);
        if (c.isEmpty()) {
          continue; // exited between listing and reading
        }
        TaskCounters t = c.get();
        read++;
        run += t.runNs();
        wait += t.waitNs();
        slices += t.timeslices();
        vol += t.voluntarySwitches();
        invol += t.involuntarySwitches();
        if (r.tids().size() == 1 || tid == pid) {
          lastCpu = t.lastCpu();
        }
      }
      if (read == 0) {
        continue;
      }
      switch (r.role()) {
        case "vcpu" -> vcpus += read;
        case "iothread" -> iothreads += read;
        default -> emulators += read;
      }
      Labels l = r.id() == null ? Labels.of("vm", vm, "role", r.role())
          : Labels.of("vm", vm, "role", r.role(), "id", r.id());
      out.add(Family.THREAD_CPU, l, run / 1e9);
      out.add(Family.THREAD_WAIT, l, wait / 1e9);
      out.add(Family.THREAD_TIMESLICES, l, slices);
      out.add(Family.THREAD_VOLUNTARY, l, vol);
      out.add(Family.THREAD_INVOLUNTARY, l, invol);
      if (lastCpu >= 0) {
        out.add(Family.THREAD_LAST_CPU, l, lastCpu);
      }
    }
    out.add(Family.THREADS, Labels.of("vm", vm, "role", "vcpu"), vcpus);
    out.add(Family.THREADS, Labels.of("vm", vm, "role", "iothread"), iothreads);
    out.add(Family.THREADS, Labels.of("vm", vm, "role", "emulator"), emulators);
  }
}
