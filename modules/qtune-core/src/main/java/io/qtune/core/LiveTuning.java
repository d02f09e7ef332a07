package io.qtune.core;

import io.qtune.core.spec.ResolvedTuning;
import io.qtune.core.spec.ResolvedTuning.Sched;
import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.VmFacts;
import io.qtune.host.HostException;
import io.qtune.host.cgroup.CpuCgroup;
import io.qtune.host.cgroup.DomainCgroup;
import io.qtune.host.cgroup.ThreadCgroup;
import io.qtune.host.cgroup.ThreadGroupName;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.sched.SchedPolicy;
import io.qtune.host.sched.ThreadSchedule;
import io.qtune.host.sched.ThreadScheduler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tuning of a VM that is already placed, read back from the kernel. libvirt keeps a status
 * XML for this; qtune keeps nothing but the groups themselves, so a one-shot command or a
 * restarted manager reads them: without this, {@code setvcpus} in a fresh process would give the
 * new vCPU the defaults instead of the quota set by an earlier {@code schedinfo}.
 *
 * <p>Only what differs from a fresh, untuned placement is recorded (a default period, an
 * unlimited quota, the default weight and an unpinned group mean "not set"), so the spec reads
 * like one a person would write and {@code diff} against it is empty right after reading.
 */
final class LiveTuning {
  private static final Logger LOG = LoggerFactory.getLogger(LiveTuning.class);

  private LiveTuning() {}

  /**
   * The placed VM's tuning as a validated spec. Reads files and {@code sched_getscheduler}; writes
   * nothing.
   */
  static ResolvedTuning read(Qtune qtune, String name, DomainCgroup d, VmThreads t) {
    TuningSpec spec = spec(qtune, name, d, t);
    Set<Integer> ios = new TreeSet<>();
    t.iothreads().forEach(i -> ios.add(i.id()));
    try {
      return qtune.validator().resolve(spec, new VmFacts(t.maxVcpus(), ios));
    } catch (InvalidInputException e) {
      // the kernel holds values qtune would not write itself (changed behind its back): keep going
      // with an untuned baseline rather than refuse to open the VM at all
      LOG.warn("VM {}: the live tuning of {} does not validate ({}); operations start from no tuning",
          name, d.layout().domainPath(), e.getMessage());
      return qtune.validator().resolve(TuningSpec.named(name), null);
    }
  }

  static TuningSpec spec(Qtune qtune, String name, DomainCgroup d, VmThreads t) {
    SpecEdits.Builder b = new SpecEdits.Builder(TuningSpec.named(name));
    long weight = qtune.weightOf(d);
    if (weight != qtune.defaultWeight()) {
      if (qtune.cgroupV2()) {
        b.weight = weight; // the v2 value as it is: shares → weight does not invert exactly
      } else {
        b.shares = weight;
      }
    }
    b.globalPeriod = period(d);
    b.globalQuota = quota(d);
    CpuSet domainCpus = d.effectiveCpus();
    CpuSet domainMems = d.effectiveMems();
    List<ThreadCgroup> placed = new ArrayList<>();

    Optional<ThreadCgroup> emulator = d.findThread(ThreadGroupName.emulator());
    if (emulator.isPresent()) {
      ThreadCgroup g = emulator.get();
      placed.add(g);
      b.emulatorPeriod = period(g);
      b.emulatorQuota = quota(g);
      b.emulatorpin = pin(g, domainCpus).map(CpuSet::toList).orElse(null);
    }

    // libvirt has one vCPU period/quota for all vCPUs and reads it from the first vCPU's group
    // (qemuGetVcpusBWLive); iothreads likewise
    List<TuningSpec.VcpuPin> vcpupin = new ArrayList<>();
    Map<Sched, CpuSet> vcpusched = new LinkedHashMap<>();
    boolean vcpuLevel = false;
    if (t.perVcpuThreads()) {
      for (VcpuThread v : t.vcpus()) {
        Optional<ThreadCgroup> g = d.findThread(ThreadGroupName.vcpu(v.index()));
        if (g.isEmpty()) {
          continue;
        }
        placed.add(g.get());
        if (!vcpuLevel) {
          b.period = period(g.get());
          b.quota = quota(g.get());
          vcpuLevel = true;
        }
        pin(g.get(), domainCpus).ifPresent(c -> vcpupin.add(new TuningSpec.VcpuPin(v.index(), c.toList())));
        sched(v.tid()).ifPresent(s -> vcpusched.merge(s, CpuSet.of(v.index()), CpuSet::union));
      }
    }
    List<TuningSpec.IothreadPin> iothreadpin = new ArrayList<>();
    Map<Sched, CpuSet> iothreadsched = new LinkedHashMap<>();
    boolean iothreadLevel = false;
    for (IothreadThread io : t.iothreads()) {
      Optional<ThreadCgroup> g = d.findThread(ThreadGroupName.iothread(io.id()));
      if (g.isEmpty()) {
        continue;
      }
      placed.add(g.get());
      if (!iothreadLevel) {
        b.iothreadPeriod = period(g.get());
        b.iothreadQuota = quota(g.get());
        iothreadLevel = true;
      }
      pin(g.get(), domainCpus).ifPresent(c -> iothreadpin.add(new TuningSpec.IothreadPin(io.id(), c.toList())));
      sched(io.tid()).ifPresent(s -> iothreadsched.merge(s, CpuSet.of(io.id()), CpuSet::union));
    }
    b.vcpupin = vcpupin;
    b.iothreadpin = iothreadpin;
    b.vcpusched = vcpusched.entrySet().stream().map(e -> new TuningSpec.VcpuSched(e.getValue().toList(),
        e.getKey().policy().libvirtName(), priority(e.getKey()))).toList();
    b.iothreadsched = iothreadsched.entrySet().stream().map(e -> new TuningSpec.IothreadSched(
        e.getValue().toList(), e.getKey().policy().libvirtName(), priority(e.getKey()))).toList();
    b.emulatorsched = sched(t.pid()).map(s -> new TuningSpec.EmulatorSched(s.policy().libvirtName(),
        priority(s))).orElse(null);

    // numatune strict/restrictive is the one thing that writes cpuset.mems of every thread group;
    // a group whose mems differ from the domain's carries it (interleave/preferred leave no trace
    // in cgroups and cannot be read back)
    for (ThreadCgroup g : placed) {
      CpuSet mems = g.mems();
      if (!mems.isEmpty() && !mems.equals(domainMems)) {
        b.numatune = new TuningSpec.NumaTune("strict", mems.toList());
        break;
      }
    }
    return b.build();
  }

  /** The group's CPUs when they differ from the domain's: a pin. Equal CPUs read as unpinned. */
  private static Optional<CpuSet> pin(ThreadCgroup g, CpuSet domainCpus) {
    CpuSet cpus = g.cpus();
    if (cpus.isEmpty()) {
      return Optional.empty(); // v2: empty inherits the domain's
    }
    return cpus.equals(domainCpus) ? Optional.empty() : Optional.of(cpus);
  }

  private static Long period(CpuCgroup g) {
    long p = g.cfsPeriod();
    return p == Placer.DEFAULT_PERIOD ? null : p;
  }

  private static Long quota(CpuCgroup g) {
    long q = g.cfsQuota();
    return q < 0 ? null : q;
  }

  private static Integer priority(Sched s) {
    return s.policy().realtime() ? s.priority() : null;
  }

  /**
   * The thread's policy when it is not SCHED_OTHER. Empty for OTHER, for a thread that is gone and
   * for a policy qtune does not set (SCHED_DEADLINE): those are left to whoever set them.
   */
  static Optional<Sched> sched(int tid) {
    if (tid <= 0) {
      return Optional.empty();
    }
    try {
      ThreadSchedule s = ThreadScheduler.get(tid);
      return s.policy() == SchedPolicy.OTHER ? Optional.empty() : Optional.of(new Sched(s.policy(), s.priority()));
    } catch (IllegalArgumentException | HostException e) {
      LOG.debug("scheduler of thread {} not read back: {}", tid, e.toString());
      return Optional.empty();
    }
  }
}
