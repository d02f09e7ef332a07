package io.qtune.cli;

import io.qtune.host.cpu.CpuSet;
import io.qtune.plan.Decision;
import io.qtune.plan.Plan;
import io.qtune.plan.PlanRequest;
import io.qtune.plan.PlanSpec;
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
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code qtune plan}: placement by policy (docs/planner.md). With {@code --request} it is the
 * machine interface (JSON request in, JSON answer out); otherwise it plans on this host's topology,
 * with the CPUs other VMs' groups hold (the live ledger) taken, and prints the spec fields and why.
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

  @Mixin
  PlanOptions options = new PlanOptions();

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
    if (options.vcpus == null) {
      throw new BadInputException("plan needs --vcpus N (or --request FILE)");
    }
    CpuSet live = options.noLiveLedger ? CpuSet.empty() : session().qtune().dedicatedCpus();
    PlanOptions.Planned p = options.plan(session().topology(), live, options.vcpus);
    printer().result(() -> PlanSpec.text(p.plan(), p.request()), () -> json(p.plan(), p.request()));
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
