package io.qtune.core;

import io.qtune.core.spec.ResolvedTuning;
import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.VmFacts;
import io.qtune.host.cgroup.CgroupLayout;
import io.qtune.host.cgroup.DomainCgroup;
import io.qtune.host.cgroup.ThreadCgroup;
import io.qtune.host.cgroup.ThreadGroupName;
import io.qtune.qmp.QmpClient;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One launch, in libvirt's order: fork a shell that waits; put it in the domain and emulator groups
 * with the emulator affinity; let it exec QEMU ({@code -S}); connect; place vCPUs and iothreads;
 * {@code cont}. Any failure kills QEMU and removes every group this launch made.
 */
final class Launch {
  private static final Logger LOG = LoggerFactory.getLogger(Launch.class);
  // the shell is the handshake: it is placed while single-threaded, then becomes QEMU (same pid)
  private static final String HANDSHAKE = "IFS= read -r go || exit 111; exec \"$@\" </dev/null";
  private static final Pattern MAXCPUS = Pattern.compile("(?:^|,)maxcpus=(\\d+)");
  private static final Pattern CPUS = Pattern.compile("^(?:cpus=)?(\\d+)(?:,|$)|(?:^|,)cpus=(\\d+)");
  private static final Pattern IOTHREAD_OBJ = Pattern.compile("(?:^|,)id=iothread(\\d+)(?:,|$)");

  private final Qtune qtune;
  private final TuningSpec spec;
  private final List<String> args;
  private final LaunchOptions options;

  Launch(Qtune qtune, TuningSpec spec, List<String> args, LaunchOptions options) {
    this.qtune = qtune;
    this.spec = spec;
    this.args = List.copyOf(args);
    this.options = options;
  }

  Vm run() {
    if (args.isEmpty()) {
      throw new InvalidInputException("no QEMU command line given");
    }
    if (spec.name() == null || spec.name().isBlank()) {
      throw new InvalidInputException("the spec needs a 'name' to launch a VM");
    }
    VmName.require(spec.name(), "the spec");
    // everything that can be checked before QEMU exists is checked before the first write
    ResolvedTuning r = qtune.validator().resolve(spec, factsFromArgs());
    Path socket = options.qmpSocket() != null ? options.qmpSocket()
        : qtune.state().file(spec.name(), StateDir.QMP);
    Path log = options.log() != null ? options.log() : qtune.state().file(spec.name(), StateDir.QEMU_LOG);
    int socketBytes = socket.toAbsolutePath().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (socketBytes > 107) {
      // sockaddr_un holds 108 bytes with the NUL: QEMU would fail with an obscure error
      throw new InvalidInputException("QMP socket path " + socket + " is " + socketBytes
          + " bytes; a unix socket path holds at most 107: use a shorter VM name or state directory");
    }
    StateDir state = qtune.state();
    Process p = null;
    io.qtune.host.proc.ProcessIdentity started = null;
    DomainCgroup domain = null;
    QmpClient qmp = null;
    Path ownLog = null; // the log this launch made (not one the caller named, nor a running VM's)
    CgroupLayout layout = null;
    try {
      // under the host-wide lock: the name is checked, QEMU forked, recorded and given its group
      // before any other qtune (a gc, a second launch) can see a half-made VM
      try (var lock = state.lock()) {
        qtune.requireNameFree(spec.name(), -1);
        removeStaleSocket(socket);
        if (options.log() == null) {
          state.createPrivate(log);
          ownLog = log;
        }
        Files.createDirectories(socket.toAbsolutePath().getParent());
        Files.createDirectories(log.toAbsolutePath().getParent());
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", HANDSHAKE, "qtune-launch"));
        cmd.addAll(args);
        // the spec's iothreads on the command line, as libvirt starts QEMU: an object-add each
        // after start, and the rediscovery it needs, would wait on QEMU while it is still busy
        // starting (docs/benchmarks.md, "Launch")
        Set<Integer> onCommandLine = iothreadsInArgs();
        for (TuningSpec.IothreadSpec io : spec.iothreads()) {
          if (!onCommandLine.contains(io.id())) {
            cmd.add("-object");
            cmd.add(Vm.properties(io).objectOption());
          }
        }
        if (!args.contains("-S")) {
          cmd.add("-S");
        }
        cmd.add("-qmp");
        // QEMU's option syntax: a ',' in the path is written ',,' (else it starts an option)
        cmd.add("unix:" + socket.toString().replace(",", ",,") + ",server=on,wait=off");
        if (!args.contains("-name")) {
          // as libvirt: named threads ("CPU 0/KVM", "IO iothread1") make ps and qtune ps readable
          cmd.add("-name");
          cmd.add("guest=" + spec.name().replace(",", ",,") + ",debug-threads=on");
        }
        try {
          p = new ProcessBuilder(cmd).redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
          throw new OperationFailedException("cannot start " + args.get(0) + ": " + e.getMessage(), e);
        }
        int pid = (int) p.pid();
        started = qtune.proc().identity(pid)
            .orElseThrow(() -> new OperationFailedException("the launched process " + pid + " is gone"));
        long start = started.startTime();
        layout = qtune.newLayoutFor(spec.name());
        state.write(new StateDir.Entry(spec.name(), pid, start, socket.toString(), layout.domainPath(), true));
        domain = qtune.backend().createDomain(layout, pid);
        placeEmulator(domain, r, pid);
      }
      try (OutputStream go = p.getOutputStream()) {
        go.write("go\n".getBytes(StandardCharsets.US_ASCII));
      }
      qmp = connect(socket, p, log);
      Vm vm = qtune.adopt(qmp, spec, p);
      vm.applyNow(spec, vm.threads());
      if (!options.stayPaused()) {
        qmp.cont().join();
      }
      vm.watchExit();
      return vm;
    } catch (RuntimeException | IOException e) {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (p == null) {
        forget(ownLog);
        // nothing was started: nothing of ours to undo, and nothing of anyone else's to touch
        if (cause instanceof InvalidInputException inv) {
          throw inv;
        }
        throw new OperationFailedException("launching VM '" + spec.name() + "' failed: " + cause.getMessage(), cause);
      }
      String lastLines = tail(log); // the log goes with the rest: its tail is in this message
      abort(p, started, domain, layout, qmp, socket, ownLog);
      String exit = p.isAlive() ? "" : " (QEMU exited with status " + p.exitValue() + ": " + lastLines + ")";
      if (cause instanceof InvalidInputException inv) {
        throw inv;
      }
      throw new OperationFailedException("launching VM '" + spec.name() + "' failed: "
          + cause.getMessage() + exit + "; its groups were removed", cause);
    }
  }

  /** A failed launch leaves no log behind (docs/safety.md): the one it made goes. */
  private static void forget(Path ownLog) {
    if (ownLog != null) {
      try {
        Files.deleteIfExists(ownLog);
      } catch (IOException ignored) {
        // a leftover log holds no state; the next launch of this name appends to it
      }
    }
  }

  /** libvirt's qemuProcessSetupEmulator on the not-yet-exec'd child. */
  private void placeEmulator(DomainCgroup domain, ResolvedTuning r, int pid) {
    UndoLog undo = new UndoLog();
    ThreadCgroup emulator = domain.thread(ThreadGroupName.emulator(), true);
    qtune.placer().fresh(emulator, new Placer.Target(ThreadGroupName.emulator(), r.emulatorPin(),
        r.mems(), r.emulatorPeriod(), r.emulatorQuota(), List.of(pid), java.util.Optional.empty()), undo);
    qtune.backend().attachThreads(Map.of(emulator, List.of(pid)));
    Placer.affinity(pid, r.emulatorPin().orElse(qtune.hostFacts().onlineCpus()), undo);
  }

  private QmpClient connect(Path socket, Process p, Path log) {
    long deadline = System.nanoTime() + options.startTimeout().toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new OperationFailedException("QEMU exited with status " + p.exitValue()
            + " before opening its QMP socket: " + tail(log));
      }
      if (Files.exists(socket)) {
        try {
          return QmpClient.connect(qtune.loop(), socket, qtune.options().qmp()).join();
        } catch (CompletionException e) {
          last = e;
        }
      }
      Vm.sleep(1);
    }
    throw new OperationFailedException("QEMU did not open its QMP socket " + socket + " within "
        + options.startTimeout().toSeconds() + " s", last);
  }

  private void abort(Process p, io.qtune.host.proc.ProcessIdentity started, DomainCgroup domain, CgroupLayout layout, QmpClient qmp, Path socket, Path ownLog) {
    p.destroyForcibly();
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (qmp != null) {
      qmp.close();
    }
    try (var lock = qtune.state().lock()) {
      // a domain group whose creation failed halfway (QEMU already inside it) is this launch's
      // too: its path was allocated under the lock for this VM alone. QEMU is dead now, so it goes.
      DomainCgroup made = domain != null ? domain
          : layout == null ? null : qtune.backend().open(layout).orElse(null);
      if (made != null) {
        try {
          // no identity: QEMU died before its start time was read (and before its group was made)
          made.release(started != null ? started : new io.qtune.host.proc.ProcessIdentity((int) p.pid(), -1));
        } catch (RuntimeException e) {
          LOG.warn("launch rollback: removing {} failed: {}", made.layout().domainPath(), e.toString());
        }
      }
      try {
        Files.deleteIfExists(socket);
      } catch (IOException ignored) {
        // a stale socket is harmless: the next launch deletes it first
      }
      forget(ownLog);
      // this launch's record only
      qtune.state().find(spec.name()).filter(e -> e.pid() == p.pid()).ifPresent(e -> qtune.state().forget(spec.name()));
    }
  }

  /** Removes a socket left by an earlier run; anything else at that path is refused, not deleted. */
  private static void removeStaleSocket(Path socket) throws IOException {
    if (!Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    var attrs = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class,
        java.nio.file.LinkOption.NOFOLLOW_LINKS);
    if (!attrs.isOther()) {
      throw new InvalidInputException("QMP socket path " + socket + " exists and is not a socket; qtune"
          + " does not delete it");
    }
    Files.delete(socket);
  }

  /** maxcpus and iothread ids from the command line, for validation before QEMU starts. */
  VmFacts factsFromArgs() {
    int max = 1;
    Set<Integer> ios = new HashSet<>();
    spec.iothreads().forEach(i -> ios.add(i.id()));
    ios.addAll(iothreadsInArgs());
    for (int i = 0; i + 1 < args.size(); i++) {
      String a = args.get(i);
      String v = args.get(i + 1);
      if (a.equals("-smp")) {
        Matcher m = MAXCPUS.matcher(v);
        Matcher c = CPUS.matcher(v);
        if (m.find()) {
          max = Integer.parseInt(m.group(1));
        } else if (c.find()) {
          max = Integer.parseInt(c.group(1) != null ? c.group(1) : c.group(2));
        }
      }
    }
    return new VmFacts(max, ios);
  }

  /** The iothreads the caller's command line makes ({@code -object iothread,id=iothreadN}). */
  private Set<Integer> iothreadsInArgs() {
    Set<Integer> ios = new HashSet<>();
    for (int i = 0; i + 1 < args.size(); i++) {
      if (args.get(i).equals("-object") && args.get(i + 1).startsWith("iothread")) {
        Matcher m = IOTHREAD_OBJ.matcher(args.get(i + 1));
        if (m.find()) {
          ios.add(Integer.parseInt(m.group(1)));
        }
      }
    }
    return ios;
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size())).trim();
    } catch (IOException e) {
      return "(no log)";
    }
  }

}
