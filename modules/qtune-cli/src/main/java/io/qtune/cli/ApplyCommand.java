package io.qtune.cli;

import io.qtune.core.Vm;
import io.qtune.core.spec.TuningSpec;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Attach to a running QEMU and converge it to a spec; with --watch, clean up when it exits. */
@Command(name = "apply", description = {"Attach to the VM and converge its threads to SPEC: create missing "
    + "iothreads, create the groups, pin, set shares and bandwidth.",
    "The spec is validated against the host and the VM before the first write."})
final class ApplyCommand extends VerbCommand {
  @Parameters(index = "0", arity = "0..1", paramLabel = "SPEC.json", description = "the tuning spec (optional with --plan)")
  Path spec;

  @Option(names = "--libvirt-xml", paramLabel = "DOMAIN.xml",
      description = "take the spec from a libvirt domain XML (as 'qtune import-xml') instead of SPEC.json")
  Path libvirtXml;

  @Option(names = "--plan", description = "place by policy: the planner (options as 'qtune plan', vCPUs from "
      + "the VM) fills what SPEC leaves unset; the plan is printed to stderr")
  boolean plan;

  @Mixin
  PlanOptions planOptions = new PlanOptions();

  @Option(names = "--watch", description = "stay until QEMU exits, then remove the VM's groups")
  boolean watch;

  @Mixin
  ReconcileOption reconcile = new ReconcileOption();

  @Override
  void execute() {
    if (spec != null && libvirtXml != null) {
      throw new BadInputException("apply takes SPEC.json or --libvirt-xml DOMAIN.xml, not both");
    }
    if (spec == null && libvirtXml == null && !plan) {
      throw new BadInputException("apply needs SPEC.json (or --libvirt-xml DOMAIN.xml, or --plan)");
    }
    reconcile.check();
    TuningSpec s = libvirtXml != null ? LibvirtXmlFile.read(libvirtXml, session().qtune()).spec()
        : spec == null ? TuningSpec.named(null) : SpecFile.read(spec);
    Path socket = session().socket();
    if (plan) {
      s = planned(s);
    }
    Vm vm = await(session().qtune().attach(socket, s));
    session().adopt(vm);
    printer().result(() -> "VM '" + vm.name() + "' (pid " + vm.pid() + ") placed in " + vm.domainPath() + "\n",
        () -> JsonViews.vm(vm));
    if (watch) {
      reconcile.applyTo(vm);
      Session.awaitWithoutDeadline(vm.exited());
      if (!printer().json()) {
        System.err.println("qtune: VM '" + vm.name() + "' exited; its groups are removed");
      }
    }
  }

  /** The VM's vCPU count and its own groups (not another VM's CPUs when re-planned) come from a look first. */
  private TuningSpec planned(TuningSpec s) {
    Vm look = session().vm();
    int count = planOptions.vcpusFor(look.threads().vcpus().size(), "the VM");
    String own = look.placed() ? look.domainPath() : null;
    look.close(); // QMP serves one client: attach opens its own connection
    session().adopt(null);
    return planOptions.fill(s, session().topology(), session().qtune().dedicatedCpusExcept(own), count);
  }
}
