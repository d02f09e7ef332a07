package io.qtune.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code qtune} command: virsh's thread-tuning verbs for a QEMU named by its QMP socket
 * ({@code --qmp}) or by the name qtune recorded for it ({@code --name}).
 *
 * <p>Exit status: {@link Exit#OK} done, {@link Exit#FAILED} the operation failed,
 * {@link Exit#BAD_INPUT} bad input (nothing changed), {@link Exit#DRIFT} diff found drift. {@link #main} always ends with
 * {@code System.exit}: Netty's non-daemon threads must not keep the JVM alive.
 */
// scope INHERIT gives every verb -h/--help (and -V) too, as virsh's VERB --help
@Command(name = "qtune", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
    versionProvider = Version.class, sortOptions = false, usageHelpAutoWidth = true,
    description = "Place and tune a QEMU VM's threads (vCPUs, emulator, iothreads) like libvirt, "
        + "over QMP and cgroups, without libvirtd.",
    footerHeading = "%nExit status:%n",
    footer = {"  0  done", "  1  the operation failed", "  2  bad input (nothing was changed)",
        "  3  diff found drift"},
    subcommands = {
        NodeCpuMapCommand.class, TopologyCommand.class, VcpuInfoCommand.class,
        VcpuPinCommand.class, EmulatorPinCommand.class, IothreadInfoCommand.class,
        IothreadAddCommand.class, IothreadDelCommand.class, IothreadPinCommand.class,
        SchedInfoCommand.class, SetVcpusCommand.class, AttachDiskCommand.class,
        DetachDiskCommand.class, ApplyCommand.class, DiffCommand.class, LaunchCommand.class,
        PsCommand.class, ReconcileCommand.class, GcCommand.class, ShellCommand.class, CdsTrainCommand.class, PlanCommand.class,
        CommandLine.HelpCommand.class})
public final class QtuneCli implements Runnable {

  @Option(names = "--qmp", paramLabel = "SOCKET", scope = ScopeType.INHERIT,
      description = "the VM's QMP unix socket (any QEMU started with -qmp unix:SOCKET,server=on,wait=off)")
  Path qmp;

  @Option(names = "--name", paramLabel = "NAME", scope = ScopeType.INHERIT,
      description = "a VM qtune launched or attached, as recorded in the state directory")
  String name;

  @Option(names = "--state-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
      description = "where launched and attached VMs are recorded (default: ${DEFAULT-VALUE})",
      defaultValue = "/run/qtune")
  Path stateDir;

  @Option(names = "--partition", paramLabel = "PATH", scope = ScopeType.INHERIT,
      description = "the cgroup partition VMs are placed under (default: ${DEFAULT-VALUE})",
      defaultValue = "/machine")
  String partition;

  @Option(names = "--json", scope = ScopeType.INHERIT,
      description = "print machine-readable JSON instead of virsh's layout")
  boolean json;

  @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT,
      description = "no table headers and no blank line after the output (virsh -q)")
  boolean quiet;

  @Option(names = "--timeout", paramLabel = "SECONDS", scope = ScopeType.INHERIT, defaultValue = "30",
      description = "give up when QEMU has not answered within SECONDS: one deadline for all of a "
          + "command's QMP exchanges, for each line in the shell (default: ${DEFAULT-VALUE})")
  int timeout;

  @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
      description = "log what qtune does to stderr")
  boolean verbose;

  /** Set when this instance runs one line of {@code qtune shell}: the shell's open session. */
  private Session shared;
  private Session own;
  private PrintStream out = System.out;

  public static void main(String[] args) {
    int code;
    try {
      code = run(args);
    } catch (Throwable t) {
      code = Failure.report(t, System.err);
    }
    System.out.flush();
    System.err.flush();
    // Netty's event loop and GlobalEventExecutor threads are non-daemon: exit explicitly
    System.exit(code);
  }

  /** Runs one command line; returns its exit status. The JVM keeps running. */
  public static int run(String... args) {
    Logging.configure(args);
    QtuneCli cli = new QtuneCli();
    try {
      return cli.commandLine().execute(args);
    } finally {
      cli.closeOwnSession();
    }
  }

  /** A command line for this instance, with qtune's exit codes and error reporting. */
  CommandLine commandLine() {
    CommandLine cl = new CommandLine(this);
    cl.setParameterExceptionHandler((ex, args) -> {
      PrintStream err = System.err;
      if (ex instanceof CommandLine.UnmatchedArgumentException u && u.getCommandLine().getParent() == null
          && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
        // virsh's wording for a verb it does not know
        err.println("error: unknown command: '" + u.getUnmatched().get(0) + "'");
        return Exit.BAD_INPUT;
      }
      err.println("error: " + ex.getMessage());
      if (ex.getCommandLine() != null && !(ex instanceof CommandLine.UnmatchedArgumentException)) {
        err.println("usage: " + ex.getCommandLine().getCommandSpec().qualifiedName()
            + " --help");
      }
      return Exit.BAD_INPUT;
    });
    cl.setExecutionExceptionHandler((ex, c, parsed) -> Failure.report(ex, System.err));
    cl.setOut(new java.io.PrintWriter(out, true));
    return cl;
  }

  @Override
  public void run() {
    // bare "qtune": the usage, like virsh without a command shows its help
    new CommandLine(this).usage(out);
  }

  /** The session of this invocation: the shell's, or one opened on first use and closed at the end. */
  Session session() {
    if (shared != null) {
      return shared;
    }
    if (own == null) {
      own = new Session(new Session.Target(qmp, name, stateDir, partition));
    }
    return own;
  }

  Printer printer() {
    return new Printer(out, json, quiet);
  }

  /** Global options as given (for the shell, which opens its session from them once). */
  Session.Target target() {
    return new Session.Target(qmp, name, stateDir, partition);
  }

  /** Where results go (stdout unless redirected, as by the CDS training run). */
  QtuneCli output(PrintStream stream) {
    this.out = stream;
    return this;
  }

  QtuneCli sharing(Session session) {
    this.shared = session;
    return this;
  }

  private void closeOwnSession() {
    if (own != null) {
      own.close();
      own = null;
    }
  }
}
