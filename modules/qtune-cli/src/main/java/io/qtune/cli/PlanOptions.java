package io.qtune.cli;

import io.qtune.host.cpu.CpuSet;
import io.qtune.host.topology.HostTopology;
import io.qtune.plan.BadRequestException;
import io.qtune.plan.Ledger;
import io.qtune.plan.Plan;
import io.qtune.plan.PlanRequest;
import io.qtune.plan.PlanRequest.CpuPolicy;
import io.qtune.plan.PlanRequest.EmulatorPolicy;
import io.qtune.plan.PlanRequest.NumaStrategy;
import io.qtune.plan.PlanRequest.Options;
import io.qtune.plan.PlanRequest.ThreadPolicy;
import io.qtune.plan.Planner;
import io.qtune.plan.Topology;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The planner's options, shared by {@code plan}, {@code launch --plan} and {@code apply --plan}
 * (a picocli mixin), and the one way they become a plan on this host.
 */
final class PlanOptions {
  /** A plan and the request it answers. */
  record Planned(Plan plan, PlanRequest request) {}

  @Option(names = "--vcpus", paramLabel = "N",
      description = "the guest's vCPUs (launch and apply take them from -smp and the VM; given there, they must agree)")
  Integer vcpus;

  @Option(names = "--cpu-policy", paramLabel = "POLICY", defaultValue = "dedicated",
      description = "dedicated | shared | mixed (default: ${DEFAULT-VALUE})")
  String cpuPolicy;

  @Option(names = "--dedicated-vcpus", paramLabel = "LIST", description = "with mixed: the dedicated vCPUs")
  String dedicatedVcpus;

  @Option(names = "--thread-policy", paramLabel = "POLICY", defaultValue = "prefer",
      description = "prefer | isolate | require (default: ${DEFAULT-VALUE})")
  String threadPolicy;

  @Option(names = "--emulator-threads", paramLabel = "POLICY", defaultValue = "share",
      description = "share | isolate (default: ${DEFAULT-VALUE})")
  String emulatorThreads;

  @Option(names = "--emulator-cpus", paramLabel = "N", defaultValue = "1",
      description = "CPUs set aside for the emulator under isolate (default: ${DEFAULT-VALUE})")
  int emulatorCpus;

  @Option(names = "--realtime-vcpus", paramLabel = "LIST", description = "vCPUs that run SCHED_FIFO")
  String realtimeVcpus;

  @Option(names = "--iothreads", paramLabel = "N", defaultValue = "0", description = "iothreads, pinned with the emulator")
  int iothreads;

  @Option(names = "--numa-strategy", paramLabel = "S", defaultValue = "pack", description = "pack | spread")
  String numaStrategy;

  @Option(names = "--full-pcpus-only") boolean fullPcpusOnly;
  @Option(names = "--distribute-across-numa") boolean distributeAcrossNuma;
  @Option(names = "--cpu-group-size", paramLabel = "N", defaultValue = "0") int cpuGroupSize;
  @Option(names = "--distribute-across-cores") boolean distributeAcrossCores;
  @Option(names = "--align-by-socket") boolean alignBySocket;
  @Option(names = "--prefer-align-uncore-cache") boolean preferAlignUncoreCache;

  @Option(names = "--numa-affinity", paramLabel = "NODES", description = "NUMA nodes to take from first")
  String numaAffinity;

  @Option(names = "--reserved", paramLabel = "LIST",
      description = "the host's own CPUs (default: the housekeeping CPUs when isolcpus or nohz_full exist, else none)")
  String reserved;

  @Option(names = "--taken", paramLabel = "LIST",
      description = "CPUs other VMs hold, added to the live ledger (the pinned vcpuN/emulator groups under the partition)")
  String taken;

  @Option(names = "--no-live-ledger", description = "do not read other VMs' CPUs from their groups (only --taken)")
  boolean noLiveLedger;

  @Option(names = "--shared", paramLabel = "LIST", description = "CPUs for shared vCPUs and a shared emulator")
  String shared;

  /**
   * Plans {@code count} vCPUs on {@code host}; {@code live} is what the kernel says other VMs hold.
   *
   * @throws BadInputException for a request the planner refuses as malformed
   * @throws BadRequestException never: translated above
   */
  Planned plan(HostTopology host, CpuSet live, int count) {
    try {
      PlanRequest req = request(count);
      CpuSet sharedSet = list(shared);
      // a shared-policy VM's groups are pinned to the shared set: that is no one's dedicated CPU
      CpuSet held = (noLiveLedger ? CpuSet.empty() : live).union(list(taken)).minus(sharedSet);
      Ledger ledger = new Ledger(reservedCpus(host), held, sharedSet, CpuSet.empty());
      return new Planned(Planner.plan(Topology.fromHost(host), ledger, req), req);
    } catch (BadRequestException e) {
      throw new BadInputException(e.getMessage());
    }
  }

  private PlanRequest request(int count) {
    CpuPolicy policy = CpuPolicy.parse(cpuPolicy);
    CpuSet all = count > 0 ? CpuSet.range(0, count - 1) : CpuSet.empty();
    CpuSet dedicated = switch (policy) {
      case DEDICATED -> all;
      case SHARED -> CpuSet.empty();
      case MIXED -> {
        if (dedicatedVcpus == null) {
          throw new BadInputException("cpu_policy mixed needs --dedicated-vcpus LIST");
        }
        yield CpuSet.parse(dedicatedVcpus);
      }
    };
    Options o = new Options(ThreadPolicy.parse(threadPolicy), EmulatorPolicy.parse(emulatorThreads), emulatorCpus,
        NumaStrategy.parse(numaStrategy), fullPcpusOnly, distributeAcrossNuma, cpuGroupSize, distributeAcrossCores,
        preferAlignUncoreCache, list(numaAffinity), alignBySocket);
    return new PlanRequest(count, policy, dedicated, list(realtimeVcpus), List.of(), iothreads, o);
  }

  // the default: with isolcpus/nohz_full the host keeps its housekeeping CPUs
  private CpuSet reservedCpus(HostTopology host) {
    if (reserved != null) {
      return list(reserved); // "" means: the host keeps none
    }
    boolean isolating = !host.isolated().isEmpty() || !host.nohzFull().isEmpty();
    return isolating ? host.housekeeping() : CpuSet.empty();
  }

  static CpuSet list(String text) {
    return text == null || text.isBlank() ? CpuSet.empty() : CpuSet.parse(text);
  }

  /** The vCPU count to plan: {@code detected}, which {@code --vcpus} must agree with when given. */
  int vcpusFor(int detected, String where) {
    if (vcpus != null && vcpus != detected) {
      throw new BadInputException("--vcpus " + vcpus + " but " + where + " has " + detected + " vCPUs");
    }
    return detected;
  }

  /**
   * Plans for {@code launch --plan} / {@code apply --plan} and fills {@code spec} with it; the plan
   * (its spec lines and why) goes to stderr, so stdout stays the command's own result.
   */
  io.qtune.core.spec.TuningSpec fill(io.qtune.core.spec.TuningSpec spec, HostTopology host, CpuSet live, int count) {
    Planned p = plan(host, live, count);
    for (String line : io.qtune.plan.PlanSpec.text(p.plan(), p.request()).split("\n")) {
      System.err.println("qtune: plan: " + line);
    }
    return PlannedSpec.fill(spec, p.plan(), p.request());
  }
}
