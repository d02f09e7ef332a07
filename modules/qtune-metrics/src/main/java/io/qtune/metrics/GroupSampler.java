package io.qtune.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import io.qtune.host.cgroup.CgroupException;
import io.qtune.host.cgroup.CpuCgroup;
import io.qtune.host.cgroup.CpuStat;
import io.qtune.host.cgroup.DomainCgroup;
import io.qtune.host.cgroup.ThreadCgroup;
import io.qtune.host.cgroup.ThreadGroupName;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per group of one VM (the domain and its vcpuN, emulator, iothreadN groups): CFS bandwidth
 * statistics from cpu.stat through the cgroup backend (v1 and v2 alike, time in seconds) and the
 * group's CPU usage. A group removed meanwhile is left out.
 */
final class GroupSampler {
  private static final Logger LOG = LoggerFactory.getLogger(GroupSampler.class);

  void sample(Families out, String vm, DomainCgroup domain) {
    group(out, Labels.of("vm", vm, "role", "domain"), domain);
    List<ThreadCgroup> children;
    try {
      children = domain.threadGroups();
    } catch (RuntimeException e) {
      LOG.debug("VM {}: cannot list the groups under {}: {}", vm, domain, e.toString());
      return;
    }
    for (ThreadCgroup g : children) {
      ThreadGroupName n = g.name();
      Labels l;
      if (n instanceof ThreadGroupName.Vcpu v) {
        l = Labels.of("vm", vm, "role", "vcpu", "id", Integer.toString(v.index()));
      } else if (n instanceof ThreadGroupName.IoThread i) {
        l = Labels.of("vm", vm, "role", "iothread", "id", Integer.toString(i.id()));
      } else {
        l = Labels.of("vm", vm, "role", "emulator");
      }
      group(out, l, g);
    }
  }

  private static void group(Families out, Labels l, CpuCgroup g) {
    CpuStat s;
    try {
      s = g.cpuStat();
    } catch (RuntimeException e) {
      // removed between listing and reading (the VM exited, an iothread was deleted): expected
      if (g.exists()) {
        LOG.warn("{}: cannot read cpu.stat: {}", g, e.toString());
      }
      return;
    }
    out.add(Family.GROUP_PERIODS, l, s.nrPeriods());
    out.add(Family.GROUP_THROTTLED, l, s.nrThrottled());
    out.add(Family.GROUP_THROTTLED_TIME, l, s.throttledNs() / 1e9);
    try {
      out.add(Family.GROUP_USAGE, l, g.usageNs() / 1e9);
    } catch (CgroupException e) {
      LOG.debug("{}: no CPU usage ({}): left out", g, e.toString());
    }
  }
}
