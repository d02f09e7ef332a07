package io.qtune.cli;

import io.qtune.host.cpu.CpuSet;
import io.qtune.host.topology.HostTopology;
import io.qtune.plan.BadRequestException;
import io.qtune.plan.Decision;
import io.qtune.plan.Ledger;
import io.qtune.plan.Plan;
import io.qtune.plan.PlanRequest;
import io.qtune.plan.PlanRequest.CpuPolicy;
import io.qtune.plan.PlanRequest.EmulatorPolicy;
import io.qtune.plan.PlanRequest.NumaStrategy;
import io.qtune.plan.PlanRequest.Options;
import io.qtune.plan.PlanRequest.ThreadPolicy;
import io.qtune.plan.PlanSpec;
import io.qtune.plan.Planner;
import io.qtune.plan.Topology;
import io.qtune.plan.json.MachineInterface;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qtune plan}: placement by policy (docs/planner.md). With {@code --request} it is the
 * machine interface (JSON request in, JSON answer out); otherwise it plans on this host's topology
 * and prints the spec fields and why.
 */
@Command(name = "plan", sortOptions = false,
    description = "Plan where a VM's vCPUs and emulator go, by policy (Nova / Kubernetes CPU manager "
        + "vocabulary), and print the spec fields: vcpupin, emulatorpin, iothreadpin, numatune, vcpusched.")
final class PlanCommand extends VerbCommand {
  @Option(names = "--request", paramLabel = "FILE",
      description = "machine interface: read one JSON request from FILE ('-' for stdin), write one JSON answer")
  String request;

  @Option(names = "--jsonl", description = "with --request: answer each request line with one answer line until EOF")
  boolean jsonl;

  @Option(names = "--vcpus", paramLabel = "N", description = "the guest's vCPUs")
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

  @Option(names = "--taken", paramLabel = "LIST", description = "CPUs other VMs hold")
  String taken;

  @Option(names = "--shared", paramLabel = "LIST", description = "CPUs for shared vCPUs and a shared emulator")
  String shared;

  @Override
  int run() {
    if (request != null) {
      return machine();
    }
    execute();
    return Exit.OK;
  }

  @Override
  void execute() {
    if (vcpus == null) {
      throw new BadInputException("plan needs --vcpus N (or --request FILE)");
    }
    HostTopology host = session().topology();
    try {
      Topology topo = Topology.fromHost(host);
      Ledger ledger = new Ledger(reservedCpus(host), list(taken), list(shared), CpuSet.empty());
      PlanRequest req = request();
      Plan plan = Planner.plan(topo, ledger, req);
      printer().result(() -> PlanSpec.text(plan, req), () -> json(plan, req));
    } catch (BadRequestException e) {
      throw new BadInputException(e.getMessage());
    }
  }

  private PlanRequest request() {
    CpuPolicy policy = CpuPolicy.parse(cpuPolicy);
    CpuSet all = vcpus > 0 ? CpuSet.range(0, vcpus - 1) : CpuSet.empty();
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
    return new PlanRequest(vcpus, policy, dedicated, list(realtimeVcpus), List.of(), iothreads, o);
  }

  // the default: with isolcpus/nohz_full the host keeps its housekeeping CPUs
  private CpuSet reservedCpus(HostTopology host) {
    if (reserved != null) {
      return list(reserved); // "" means: the host keeps none
    }
    boolean isolating = !host.isolated().isEmpty() || !host.nohzFull().isEmpty();
    return isolating ? host.housekeeping() : CpuSet.empty();
  }

  private static CpuSet list(String text) {
    return text == null || text.isBlank() ? CpuSet.empty() : CpuSet.parse(text);
  }

  private static Map<String, Object> json(Plan plan, PlanRequest req) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("spec", PlanSpec.fields(plan, req));
    out.put("cpus", plan.cpus().toList());
    out.put("emulator_cpus", plan.emulatorCpus().toList());
    out.put("held", plan.held().toList());
    out.put("decisions", plan.decisions().stream().map(Decision::toString).toList());
    return out;
  }

  /** One answer per request (or per line with --jsonl); the answers go to stdout, never an exception. */
  private int machine() {
    PrintStream out = System.out;
    try (BufferedReader in = request.equals("-")
        ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
        : Files.newBufferedReader(Path.of(request), StandardCharsets.UTF_8)) {
      if (jsonl) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.isBlank()) {
            continue;
          }
          out.println(MachineInterface.answer(line).json());
          out.flush();
        }
        return Exit.OK;
      }
      StringBuilder all = new StringBuilder();
      for (String line; (line = in.readLine()) != null; ) {
        all.append(line).append('\n');
      }
      MachineInterface.Answer a = MachineInterface.answer(all.toString());
      out.println(a.json());
      out.flush();
      return a.status();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the request " + request + ": " + e.getMessage(), e);
    }
  }
}
