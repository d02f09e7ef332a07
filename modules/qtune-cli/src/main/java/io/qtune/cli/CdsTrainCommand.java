package io.qtune.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
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
      throughDaemon(nul, dir, state, false);
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

  /**
   * The daemon client's classes (HTTP over a unix socket, Json, DaemonVm, a problem): against a
   * stand-in on a socket of its own that answers as the API says, so the archive covers the path
   * of a one-shot command through {@code qtune daemon}.
   */
  static void throughDaemon(PrintStream nul, Path dir, String state, boolean shortcutOnly) throws IOException {
    Path sock = dir.resolve("daemon.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(sock));
      Thread t = new Thread(() -> answer(server, state), "cds-train-daemon");
      t.setDaemon(true);
      t.start();
      for (String[] cmd : shortcutOnly ? new String[0][] : new String[][] {{"vcpupin"}, {"vcpupin", "0", "0"},
          {"vcpupin", "9", "0"}, {"--json", "vcpupin"}}) {
        List<String> a = new ArrayList<>(List.of("--socket", sock.toString(), "--state-dir", state, "--name", "vm"));
        a.addAll(List.of(cmd));
        quietly(nul, a.toArray(String[]::new));
      }
      // main()'s pin shortcut, its success and its problem
      for (String vcpu : List.of("0", "9")) {
        PinShortcut.run(new String[] {"--socket", sock.toString(), "--state-dir", state, "--name", "vm", "vcpupin",
            vcpu, "0"}, nul, nul);
      }
    }
  }

  private static void answer(ServerSocketChannel server, String state) {
    while (server.isOpen()) {
      try (SocketChannel c = server.accept()) {
        var in = new java.io.BufferedReader(new java.io.InputStreamReader(Channels.newInputStream(c),
            StandardCharsets.ISO_8859_1));
        var out = Channels.newOutputStream(c);
        for (String start = in.readLine(); start != null; start = in.readLine()) {
          int length = 0;
          for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
            if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
              length = Integer.parseInt(h.substring(15).trim());
            }
          }
          in.skip(length);
          String path = start.split(" ")[1];
          int status = 200;
          String type = "application/json";
          String body;
          if (path.equals("/v1/daemon")) {
            body = Json.write(java.util.Map.of("state_dir", state));
          } else if (path.equals("/v1/vms")) {
            body = "{\"vms\":[{\"name\":\"vm\",\"qmp_socket\":\"/nonexistent\"}]}";
          } else if (start.startsWith("GET ")) {
            body = "{\"vcpus\":[],\"pins\":[{\"vcpu\":0,\"affinity\":\"0\"}]}";
          } else if (path.contains("/9/")) {
            status = 422;
            type = "application/problem+json";
            body = "{\"status\":422,\"detail\":\"vcpu 9 is out of range\"}";
          } else {
            status = 204;
            body = "";
          }
          byte[] b = body.getBytes(StandardCharsets.UTF_8);
          out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: " + type + "\r\nContent-Length: " + b.length
              + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
          out.write(b);
          out.flush();
        }
      } catch (IOException | RuntimeException e) {
        // the server closed, or the client went away
      }
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

  static void deleteTree(Path dir) {
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
