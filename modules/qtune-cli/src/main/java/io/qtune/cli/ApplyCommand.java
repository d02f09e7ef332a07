package io.qtune.cli;

import io.qtune.core.Vm;
import io.qtune.core.spec.TuningSpec;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Attach to a running QEMU and converge it to a spec; with --watch, clean up when it exits. */
@Command(name = "apply", description = {"Attach to the VM and converge its threads to SPEC: create missing "
    + "iothreads, create the groups, pin, set shares and bandwidth.",
    "The spec is validated against the host and the VM before the first write."})
final class ApplyCommand extends VerbCommand {
  @Parameters(index = "0", paramLabel = "SPEC.json", description = "the tuning spec")
  Path spec;

  @Option(names = "--watch", description = "stay until QEMU exits, then remove the VM's groups")
  boolean watch;

  @Override
  void execute() {
    TuningSpec s = SpecFile.read(spec);
    Path socket = session().socket();
    Vm vm = await(session().qtune().attach(socket, s));
    session().adopt(vm);
    printer().result(() -> "VM '" + vm.name() + "' (pid " + vm.pid() + ") placed in " + vm.domainPath() + "\n",
        () -> JsonViews.vm(vm));
    if (watch) {
      Session.awaitWithoutDeadline(vm.exited());
      if (!printer().json()) {
        System.err.println("qtune: VM '" + vm.name() + "' exited; its groups are removed");
      }
    }
  }
}
