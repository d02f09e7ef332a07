package io.qtune.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
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
    // the verbs are added in commandLine(): only the one a command line names (see Verbs)
    footer = {"  0  done", "  1  the operation failed", "  2  bad input (nothing was changed)",
        "  3  diff found drift"})
public final class QtuneCli implements Runnable {

  /**
   * Every verb, in the order help lists them. picocli reflects over each verb it is given (its
   * annotations, fields, mixins): a one-shot command builds the model of the verb it runs only.
   */
  private static final class Verbs {
    // a holder: the pin shortcut in main() runs before these 24 lambdas are made
    static final Map<String, Supplier<Object>> ALL = verbs();
  }

  private static Map<String, Supplier<Object>> verbs() {
    Map<String, Supplier<Object>> m = new LinkedHashMap<>();
    m.put("nodecpumap", NodeCpuMapCommand::new);
    m.put("topology", TopologyCommand::new);
    m.put("vcpuinfo", VcpuInfoCommand::new);
    m.put("vcpupin", VcpuPinCommand::new);
    m.put("emulatorpin", EmulatorPinCommand::new);
    m.put("iothreadinfo", IothreadInfoCommand::new);
    m.put("iothreadadd", IothreadAddCommand::new);
    m.put("iothreaddel", IothreadDelCommand::new);
    m.put("iothreadpin", IothreadPinCommand::new);
    m.put("schedinfo", SchedInfoCommand::new);
    m.put("setvcpus", SetVcpusCommand::new);
    m.put("attach-disk", AttachDiskCommand::new);
    m.put("detach-disk", DetachDiskCommand::new);
    m.put("apply", ApplyCommand::new);
    m.put("diff", DiffCommand::new);
    m.put("launch", LaunchCommand::new);
    m.put("ps", PsCommand::new);
    m.put("reconcile", ReconcileCommand::new);
    m.put("gc", GcCommand::new);
    m.put("shell", ShellCommand::new);
    m.put("cds-train", CdsTrainCommand::new);
    m.put("plan", PlanCommand::new);
    m.put("import-xml", ImportXmlCommand::new);
    m.put("help", CommandLine.HelpCommand::new);
    return m;
  }

  /** The root options' defaults (also read by {@link PinShortcut}, which runs without picocli). */
  static final String DEFAULT_STATE_DIR = "/run/qtune";
  static final String DEFAULT_PARTITION = "/machine";
  static final String DEFAULT_TIMEOUT = "30";

  /** Root options that take a value: skipped when looking for the verb. */
  private static final Set<String> VALUED = Set.of("--qmp", "--name", "--state-dir", "--partition",
      "--timeout", "--socket");

  @Option(names = "--qmp", paramLabel = "SOCKET", scope = ScopeType.INHERIT,
      description = "the VM's QMP unix socket (any QEMU started with -qmp unix:SOCKET,server=on,wait=off)")
  Path qmp;

  @Option(names = "--name", paramLabel = "NAME", scope = ScopeType.INHERIT,
      description = "a VM qtune launched or attached, as recorded in the state directory")
  String name;

  @Option(names = "--state-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
      description = "where launched and attached VMs are recorded (default: ${DEFAULT-VALUE})",
      defaultValue = DEFAULT_STATE_DIR)
  Path stateDir;

  @Option(names = "--partition", paramLabel = "PATH", scope = ScopeType.INHERIT,
      description = "the cgroup partition VMs are placed under (default: ${DEFAULT-VALUE})",
      defaultValue = DEFAULT_PARTITION)
  String partition;

  @Option(names = "--json", scope = ScopeType.INHERIT,
      description = "print machine-readable JSON instead of virsh's layout")
  boolean json;

  @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT,
      description = "no table headers and no blank line after the output (virsh -q)")
  boolean quiet;

  @Option(names = "--timeout", paramLabel = "SECONDS", scope = ScopeType.INHERIT, defaultValue = DEFAULT_TIMEOUT,
      description = "give up when QEMU has not answered within SECONDS: one deadline for all of a "
          + "command's QMP exchanges, for each line in the shell (default: ${DEFAULT-VALUE})")
  int timeout;

  @Option(names = "--direct", scope = ScopeType.INHERIT,
      description = "do not go through qtune daemon, even when it supervises the VM")
  boolean direct;

  @Option(names = "--socket", paramLabel = "PATH", scope = ScopeType.INHERIT,
      description = "qtune daemon's socket (default: $QTUNE_SOCKET, else /run/qtune/qtune.sock when it exists)")
  Path socket;

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
      Integer fast = PinShortcut.run(args, System.out, System.err);
      code = fast != null ? fast : run(args);
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
      return cli.commandLine(args).execute(args);
    } finally {
      cli.closeOwnSession();
    }
  }

  /** A command line for this instance, with qtune's exit codes and error reporting. */
  CommandLine commandLine() {
    return commandLine(null);
  }

  /**
   * A command line with only the verb {@code args} name (every verb when it names none or
   * {@code help}, so that usage, {@code help VERB} and "unknown command" are as before).
   */
  CommandLine commandLine(String[] argv) {
    CommandLine cl = new CommandLine(this);
    String verb = argv == null ? null : verbOf(argv);
    if (verb != null && !verb.equals("help") && Verbs.ALL.containsKey(verb)) {
      addVerb(cl, verb, Verbs.ALL.get(verb).get());
    } else {
      Verbs.ALL.forEach((name, make) -> addVerb(cl, name, make.get()));
    }
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

  /**
   * Adds a verb. The -h/-V it gets from the root's INHERIT scope come first when it is added to a
   * finished root (with the verbs in the annotation they came last): moved back to the end, so help and man pages stay as they were.
   */
  private static void addVerb(CommandLine root, String name, Object verb) {
    root.addSubcommand(name, verb);
    if (verb instanceof CommandLine.HelpCommand) {
      return; // its own -h, declared after the inherited options
    }
    CommandLine.Model.CommandSpec spec = root.getSubcommands().get(name).getCommandSpec();
    for (CommandLine.Model.OptionSpec o : List.copyOf(spec.options())) {
      if (o.longestName().equals("--help") || o.longestName().equals("--version")) {
        spec.remove(o);
        spec.addOption(o);
      }
    }
  }

  /** The first word that is neither an option nor a root option's value. */
  static String verbOf(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--")) {
        return null;
      }
      if (!a.startsWith("-")) {
        return a;
      }
      if (VALUED.contains(a)) {
        i++;
      }
    }
    return null;
  }

  @Override
  public void run() {
    // bare "qtune": the usage, like virsh without a command shows its help
    commandLine().usage(out);
  }

  /** The session of this invocation: the shell's, or one opened on first use and closed at the end. */
  Session session() {
    if (shared != null) {
      return shared;
    }
    if (own == null) {
      own = new Session(new Session.Target(qmp, name, stateDir, partition))
          .routing(Session.DaemonRoute.of(direct, socket));
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
