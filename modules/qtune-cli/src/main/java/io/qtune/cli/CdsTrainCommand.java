package io.qtune.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * The build's AppCDS training run ({@code -XX:ArchiveClassesAtExit}): loads the classes a one-shot
 * command needs by running read-only commands, against a paused QEMU it starts when QEMU is
 * installed. Writes nothing to any cgroup; always succeeds, so a host without QEMU or KVM still
 * builds (with a smaller archive).
 */
@Command(name = "cds-train", hidden = true, description = "Build-time AppCDS training run (internal).")
final class CdsTrainCommand extends VerbCommand {
  @Parameters(index = "0", arity = "0..1", paramLabel = "QEMU", defaultValue = LaunchCommand.DEFAULT_QEMU)
  String qemu;

  @Override
  void execute() {
    PrintStream nul = new PrintStream(OutputStream.nullOutputStream());
    PrintStream err = System.err;
    System.setErr(nul);
    Path dir = null;
    Process p = null;
    try {
      dir = Files.createTempDirectory("qtune-cli-cds-");
      String state = dir.resolve("state").toString();
      quietly(nul, "--help");
      for (String verb : List.of("nodecpumap", "topology", "vcpuinfo", "vcpupin", "emulatorpin",
          "iothreadinfo", "schedinfo", "ps", "apply", "launch", "shell")) {
        quietly(nul, verb, "--help");
      }
      quietly(nul, "nodecpumap");
      quietly(nul, "--json", "nodecpumap");
      quietly(nul, "topology");
      quietly(nul, "--json", "topology");
      quietly(nul, "--qmp", dir.resolve("missing.sock").toString(), "vcpuinfo");
      quietly(nul, "vcpupin", "x");
      Path sock = dir.resolve("qmp.sock");
      p = startQemu(sock, dir);
      if (p != null) {
        String partition = "/qtune-cli-cds-" + ProcessHandle.current().pid();
        for (String[] cmd : new String[][] {{"vcpuinfo"}, {"vcpupin"}, {"vcpupin", "0"}, {"emulatorpin"},
            {"iothreadinfo"}, {"ps"}}) {
          List<String> a = new ArrayList<>(List.of("--qmp", sock.toString(), "--state-dir", state,
              "--partition", partition));
          a.addAll(List.of(cmd));
          quietly(nul, a.toArray(String[]::new));
          a.add(0, "--json");
          quietly(nul, a.toArray(String[]::new));
        }
      }
    } catch (IOException | RuntimeException e) {
      err.println("qtune cds-train: " + e);
    } finally {
      System.setErr(err);
      if (p != null) {
        p.destroyForcibly();
        try {
          p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      deleteTree(dir);
    }
  }

  private static void quietly(PrintStream nul, String... args) {
    QtuneCli cli = new QtuneCli().output(nul);
    try {
      cli.commandLine().execute(args);
    } catch (RuntimeException e) {
      // training only loads classes; outcomes do not matter
    } finally {
      cli.session().close();
    }
  }

  private Process startQemu(Path sock, Path dir) {
    try {
      Process p = new ProcessBuilder(qemu, "-accel", "tcg", "-machine", "pc", "-smp", "1,maxcpus=2", "-m", "32",
          "-nodefaults", "-display", "none", "-S", "-object", "iothread,id=iothread1",
          "-qmp", "unix:" + sock + ",server=on,wait=off")
          .redirectErrorStream(true).redirectOutput(dir.resolve("qemu.log").toFile()).start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!Files.exists(sock) && p.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      if (Files.exists(sock)) {
        return p;
      }
      p.destroyForcibly();
    } catch (IOException e) {
      // no QEMU here: the archive holds the host-only path
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return null;
  }

  private static void deleteTree(Path dir) {
    if (dir == null) {
      return;
    }
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // a temp dir left behind is harmless
    }
  }
}
