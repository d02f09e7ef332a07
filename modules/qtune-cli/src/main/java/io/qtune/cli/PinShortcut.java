package io.qtune.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The set forms of {@code vcpupin}, {@code emulatorpin} and {@code iothreadpin} without picocli:
 * building picocli's model of even one verb costs more than the rest of such a command through
 * the daemon (docs/benchmarks.md, "One-shot CLI"). Takes only a command line it reads exactly as
 * picocli would (the root options, the verb, its plain operands), then goes where the full CLI
 * would: through {@code qtune daemon} when it supervises the VM, else the library in this process
 * ({@code --direct}, no daemon, or a daemon that does not supervise the VM). Anything else, and a
 * daemon socket that does not answer, returns null and the full CLI runs, deciding and reporting
 * as always. Nothing has been changed when it returns null.
 */
final class PinShortcut {
  private Path qmp;
  private String name;
  private Path stateDir = Path.of(QtuneCli.DEFAULT_STATE_DIR);
  private Path socket;
  private String partition = QtuneCli.DEFAULT_PARTITION;
  private boolean direct;
  private int timeout = Integer.parseInt(QtuneCli.DEFAULT_TIMEOUT);
  private boolean quiet;
  private final List<String> operands = new ArrayList<>();
  private String verb;

  private PinShortcut() {}

  /** The exit status, or null when the full CLI must run this command line. */
  static Integer run(String[] args, PrintStream out, PrintStream err) {
    PinShortcut s = parse(args);
    if (s == null) {
      return null;
    }
    Logging.configure(args); // the library may log: as the full CLI sets it up
    return s.execute(out, err);
  }

  static PinShortcut parse(String[] args) {
    PinShortcut s = new PinShortcut();
    Set<String> seen = new HashSet<>();
    int i = 0;
    for (; i < args.length && s.verb == null; i++) {
      String a = args[i];
      if (!a.startsWith("-")) {
        s.verb = a;
        break;
      }
      String opt = a;
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        opt = a.substring(0, eq);
        value = a.substring(eq + 1);
      }
      if (!seen.add(opt.equals("-q") ? "--quiet" : opt)) {
        return null; // picocli says "specified only once"
      }
      if (opt.equals("--direct")) {
        if (value != null) {
          return null;
        }
        s.direct = true;
        continue;
      }
      if (opt.equals("-q") || opt.equals("--quiet")) {
        if (value != null) {
          return null;
        }
        s.quiet = true;
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          return null;
        }
        value = args[++i];
      }
      if (value.isEmpty() || value.startsWith("-")) {
        return null;
      }
      switch (opt) {
        case "--qmp" -> s.qmp = Path.of(value);
        case "--name" -> s.name = value;
        case "--state-dir" -> s.stateDir = Path.of(value);
        case "--socket" -> s.socket = Path.of(value);
        case "--partition" -> {
          if (!value.startsWith("/")) {
            return null; // the full CLI refuses it with its message
          }
          s.partition = value; // the daemon places under its own: this is the library's
        }
        case "--timeout" -> {
          Integer t = number(value);
          if (t == null || t < 1) {
            return null;
          }
          s.timeout = t;
        }
        default -> {
          return null; // --json, -v, --help...: the full CLI
        }
      }
    }
    if (s.verb == null) {
      return null;
    }
    for (i++; i < args.length; i++) {
      if (args[i].startsWith("-")) {
        return null;
      }
      s.operands.add(args[i]);
    }
    int want = switch (s.verb) {
      case "vcpupin", "iothreadpin" -> 2;
      case "emulatorpin" -> 1;
      default -> -1;
    };
    if (s.operands.size() != want || (want == 2 && number(s.operands.get(0)) == null)
        || s.operands.get(want - 1).isEmpty()) {
      return null;
    }
    return s;
  }

  private Integer execute(PrintStream out, PrintStream err) {
    Session session = new Session(new Session.Target(qmp, name, stateDir, partition))
        .routing(Session.DaemonRoute.of(direct, socket));
    try {
      session.startDeadline(timeout);
      VmAccess vm;
      try {
        vm = session.access(); // the daemon's, or the library's (opened on first use)
      } catch (RuntimeException e) {
        return null; // a daemon named but not answering: the full CLI decides and says so
      }
      String cpulist = operands.get(operands.size() - 1);
      switch (verb) {
        case "vcpupin" -> vm.pinVcpu(number(operands.get(0)), cpulist);
        case "iothreadpin" -> vm.pinIothread(number(operands.get(0)), cpulist);
        default -> vm.pinEmulator(cpulist);
      }
      new Printer(out, false, quiet).text("");
      return Exit.OK;
    } catch (RuntimeException e) {
      return Failure.report(e, err);
    } finally {
      session.close();
    }
  }

  /** A plain decimal int (what picocli takes for these operands), or null. */
  private static Integer number(String s) {
    if (s.isEmpty() || s.length() > 9) {
      return null;
    }
    for (int k = 0; k < s.length(); k++) {
      if (s.charAt(k) < '0' || s.charAt(k) > '9') {
        return null;
      }
    }
    return Integer.parseInt(s);
  }
}
