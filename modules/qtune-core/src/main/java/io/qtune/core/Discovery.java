package io.qtune.core;

import io.qtune.host.proc.ProcFs;
import io.qtune.qmp.QmpClient;
import io.qtune.qmp.QmpCommandException;
import io.qtune.qmp.model.CpuInfoFast;
import io.qtune.qmp.model.HotpluggableCpu;
import io.qtune.qmp.model.IothreadInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds a QEMU's vCPU, iothread and emulator threads, trusting nothing QMP says without /proc. */
final class Discovery {
  private static final Logger LOG = LoggerFactory.getLogger(Discovery.class);
  private static final Pattern IOTHREAD_ID = Pattern.compile("iothread([1-9][0-9]{0,8})");

  private final ProcFs proc;

  Discovery(ProcFs proc) {
    this.proc = proc;
  }

  VmThreads discover(QmpClient qmp, int pid) {
    // all three in flight at once (pipelined when OOB is on): one wait instead of three
    var cpusF = qmp.queryCpusFast();
    var slotsF = qmp.queryHotpluggableCpus();
    var iosF = qmp.queryIothreads();
    List<CpuInfoFast> cpus = cpusF.join();
    int maxVcpus = cpus.size();
    try {
      List<HotpluggableCpu> slots = slotsF.join();
      maxVcpus = Math.max(maxVcpus, slots.stream().mapToInt(HotpluggableCpu::vcpusCount).sum());
    } catch (CompletionException e) {
      if (!(e.getCause() instanceof QmpCommandException)) {
        throw e;
      }
      // machines without CPU hotplug answer with an error: maxcpus is then the plugged count
    }
    return classify(pid, cpus, maxVcpus, iosF.join());
  }

  /** Only the iothreads (iothread add/delete need nothing else): one QMP round trip. */
  VmThreads refreshIothreads(QmpClient qmp, VmThreads t) {
    return refreshIothreads(qmp.queryIothreads().join(), t);
  }

  /** {@link #refreshIothreads(QmpClient, VmThreads)} from an answer to a query already sent. */
  VmThreads refreshIothreads(List<IothreadInfo> ios, VmThreads t) {
    List<CpuInfoFast> cpus = new java.util.ArrayList<>();
    for (VcpuThread v : t.vcpus()) {
      // vCPUs as known; TCG's shared thread is stood in for by the pid, classified the same way
      cpus.add(new CpuInfoFast(v.index(), v.qomPath(), v.tid() > 0 ? v.tid() : t.pid(), null, null));
    }
    return classify(t.pid(), cpus, t.maxVcpus(), ios);
  }

  VmThreads classify(int pid, List<CpuInfoFast> cpus, int maxVcpus, List<IothreadInfo> ios) {
    // TCG without MTTCG reports the main thread or one shared thread for every vCPU: such TIDs
    // are not vCPU threads and must not be pulled out of the emulator group (libvirt drops them too)
    Set<Long> seen = new HashSet<>();
    boolean perVcpu = !cpus.isEmpty();
    for (CpuInfoFast c : cpus) {
      if (c.threadId() <= 0 || c.threadId() == pid || !seen.add(c.threadId())) {
        perVcpu = false;
      }
    }
    List<VcpuThread> vcpus = new ArrayList<>();
    for (CpuInfoFast c : cpus) {
      int tid = 0;
      if (perVcpu) {
        tid = verified(pid, c.threadId(), "vCPU " + c.cpuIndex());
      }
      vcpus.add(new VcpuThread(c.cpuIndex(), tid, c.qomPath()));
    }
    if (!perVcpu && !cpus.isEmpty()) {
      LOG.warn("QEMU {} has no thread per vCPU (TCG without MTTCG?): vCPUs stay in the emulator group", pid);
    }
    vcpus.sort((a, b) -> Integer.compare(a.index(), b.index()));

    List<IothreadThread> iothreads = new ArrayList<>();
    List<String> unplaced = new ArrayList<>();
    for (IothreadInfo io : ios) {
      Matcher m = IOTHREAD_ID.matcher(io.id());
      int tid = verified(pid, io.threadId(), "iothread '" + io.id() + "'");
      if (!m.matches()) {
        unplaced.add(io.id());
        continue;
      }
      iothreads.add(new IothreadThread(Integer.parseInt(m.group(1)), io.id(), tid, io.pollMaxNs(),
          io.pollGrow(), io.pollShrink()));
    }
    iothreads.sort((a, b) -> Integer.compare(a.id(), b.id()));

    Set<Integer> special = new HashSet<>();
    vcpus.forEach(v -> {
      if (v.tid() > 0) {
        special.add(v.tid());
      }
    });
    iothreads.forEach(i -> special.add(i.tid()));
    List<Integer> emulator = new ArrayList<>();
    for (int tid : proc.tasks(pid)) {
      if (!special.contains(tid)) {
        emulator.add(tid);
      }
    }
    return new VmThreads(pid, List.copyOf(vcpus), List.copyOf(iothreads), List.copyOf(emulator),
        perVcpu, maxVcpus, List.copyOf(unplaced));
  }

  private int verified(int pid, long tid, String what) {
    if (tid <= 0 || tid > Integer.MAX_VALUE || !proc.isTaskOf(pid, (int) tid)) {
      throw new ForeignThreadException(what, tid, pid);
    }
    return (int) tid;
  }
}
