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
import picocli.CommandLine.Mixin;
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

  @Parameters(arity = "1..*", paramLabel = "[SPEC.json] QEMU-ARGS",
      description = "the tuning spec (needs a name; optional with --plan, absent with --libvirt-xml), then after --: the QEMU command line")
  List<String> positional = new ArrayList<>();

  @Option(names = "--libvirt-xml", paramLabel = "DOMAIN.xml",
      description = "take the spec from a libvirt domain XML (as 'qtune import-xml') instead of SPEC.json; "
          + "its <vcpu> becomes -smp when QEMU-ARGS have none")
  Path libvirtXml;

  @Option(names = "--plan", description = "place by policy: the planner (options as 'qtune plan', vCPUs from "
      + "-smp) fills what SPEC leaves unset; the plan is printed to stderr")
  boolean plan;

  @Mixin
  PlanOptions planOptions = new PlanOptions();

  @Option(names = "--paused", description = "leave the VM paused after placement (no cont)")
  boolean paused;

  @Mixin
  ReconcileOption reconcile = new ReconcileOption();

  @Option(names = "--log", paramLabel = "FILE", description = "QEMU's stdout and stderr (default: STATE-DIR/NAME.log)")
  Path log;

  @Option(names = "--start-timeout", paramLabel = "SECONDS", defaultValue = "30",
      description = "how long QEMU may take to open its QMP socket (default: ${DEFAULT-VALUE})")
  int startTimeout;

  /** The domain's {@code <vcpu current>} as -smp when QEMU-ARGS have none; a different one is refused. */
  private static void smpOf(io.qtune.core.spec.libvirt.LibvirtDomainXml.Import domain, List<String> args) {
    boolean given = args.stream().anyMatch(a -> a.equals("-smp") || a.equals("--smp") || a.startsWith("-smp="));
    if (!given) {
      args.addAll(1, List.of("-smp", domain.smp()));
    } else if (SmpArg.vcpus(args) != domain.currentVcpus()) {
      throw new BadInputException("-smp starts " + SmpArg.vcpus(args) + " vCPUs but the domain XML's <vcpu "
          + "current> is " + domain.currentVcpus() + " (leave -smp out to take " + domain.smp() + ")");
    }
  }

  @Override
  void execute() {
    reconcile.check();
    if (startTimeout < 1) {
      throw new BadInputException("--start-timeout must be at least 1 second, got " + startTimeout);
    }
    List<String> args = new ArrayList<>(positional);
    // with --plan the spec file is optional: it is there when the first word names a .json file
    boolean hasSpec = libvirtXml == null && (!plan || args.get(0).endsWith(".json"));
    io.qtune.core.spec.libvirt.LibvirtDomainXml.Import domain = libvirtXml == null ? null
        : LibvirtXmlFile.read(libvirtXml, session().qtune());
    TuningSpec s = domain != null ? domain.spec()
        : hasSpec ? SpecFile.read(Path.of(args.remove(0))) : TuningSpec.named(root.name);
    if (args.isEmpty()) {
      throw new BadInputException("launch needs the QEMU command line after --");
    }
    if (args.get(0).startsWith("-")) {
      args.add(0, DEFAULT_QEMU);
    }
    if (domain != null) {
      smpOf(domain, args);
    }
    if ((s.name() == null || s.name().isBlank()) && root.name != null) {
      s = s.withName(root.name);
    }
    if (s.name() == null || s.name().isBlank()) {
      throw new BadInputException(hasSpec ? "the spec needs a 'name' to launch a VM"
          : "launch --plan without a spec needs --name NAME");
    }
    if (plan) {
      int count = planOptions.vcpusFor(SmpArg.vcpus(args), "-smp");
      s = planOptions.fill(s, session().topology(), session().qtune().dedicatedCpus(), count);
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
    reconcile.applyTo(vm);
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
