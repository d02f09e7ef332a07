package io.qtune.cli;

import io.qtune.core.LaunchOptions;
import io.qtune.core.Vm;
import io.qtune.core.spec.TuningSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Launch QEMU paused, place it, {@code cont}, and supervise it in the foreground: when QEMU exits
 * its groups are removed; Ctrl-C (or SIGTERM) stops QEMU first.
 */
@Command(name = "launch", description = {"Launch QEMU paused in its emulator group, place vCPUs and "
    + "iothreads per SPEC, continue it, and stay in the foreground until it exits; then remove its groups.",
    "QEMU-ARGS start with the QEMU binary (qemu-system-x86_64 is assumed when they start with '-').",
    "With --qmp, QEMU's QMP socket is created there (default: STATE-DIR/NAME.qmp)."})
final class LaunchCommand extends VerbCommand {
  static final String DEFAULT_QEMU = "qemu-system-x86_64";

  @Parameters(index = "0", paramLabel = "SPEC.json", description = "the tuning spec (needs a name)")
  Path spec;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "QEMU-ARGS",
      description = "after --: the QEMU command line")
  List<String> qemuArgs = new ArrayList<>();

  @Option(names = "--paused", description = "leave the VM paused after placement (no cont)")
  boolean paused;

  @Option(names = "--log", paramLabel = "FILE", description = "QEMU's stdout and stderr (default: STATE-DIR/NAME.log)")
  Path log;

  @Option(names = "--start-timeout", paramLabel = "SECONDS", defaultValue = "30",
      description = "how long QEMU may take to open its QMP socket (default: ${DEFAULT-VALUE})")
  int startTimeout;

  @Override
  void execute() {
    if (startTimeout < 1) {
      throw new BadInputException("--start-timeout must be at least 1 second, got " + startTimeout);
    }
    TuningSpec s = SpecFile.read(spec);
    List<String> args = new ArrayList<>(qemuArgs);
    if (args.get(0).startsWith("-")) {
      args.add(0, DEFAULT_QEMU);
    }
    if (s.name() == null || s.name().isBlank()) {
      throw new BadInputException("the spec needs a 'name' to launch a VM");
    }
    // QMP serves one client per socket and the supervisor keeps its own: a second socket lets
    // 'qtune --name NAME ...' reach the VM while it runs
    Path operatorSocket = Session.operatorSocket(root.stateDir, s.name());
    args.addAll(java.util.List.of("-qmp", "unix:" + operatorSocket + ",server=on,wait=off"));
    LaunchOptions o = new LaunchOptions(root.qmp, paused, Duration.ofSeconds(startTimeout), log);
    // QEMU's start-up has its own bound; --timeout covers the QMP exchanges after it
    session().extendDeadline(Duration.ofSeconds(startTimeout));
    Vm vm = await(session().qtune().launch(s, args, o));
    session().adopt(vm);
    Thread stop = new Thread(() -> {
      if (!vm.exited().isDone()) {
        try {
          vm.destroy().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          System.err.println("error: stopping VM '" + vm.name() + "' failed: " + Failure.unwrap(e).getMessage());
        }
      }
    }, "qtune-launch-stop");
    Runtime.getRuntime().addShutdownHook(stop);
    printer().result(() -> "VM '" + vm.name() + "' launched: pid " + vm.pid() + ", QMP socket "
        + vm.qmp().socketPath() + ", group " + vm.domainPath() + "\n", () -> JsonViews.vm(vm));
    Session.awaitWithoutDeadline(vm.exited());
    try {
      java.nio.file.Files.deleteIfExists(operatorSocket);
    } catch (java.io.IOException e) {
      // QEMU removes its sockets itself; this is only for a QEMU that was killed
    }
    if (!printer().json()) {
      System.err.println("qtune: VM '" + vm.name() + "' exited; its groups are removed");
    }
  }
}
