package io.qtune.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * libvirt 9.0 beside qtune in the same run ({@code bench/run --with-libvirt}, issue 15): {@code bench/libvirt
 * up} installs and starts it and defines a domain equivalent to the bench's VM (same vCPUs, iothread,
 * pins, period/quota; TCG); this drives it three ways on the same operations: the API (python binding,
 * one connection, each call timed inside python), {@code virsh} as one process per operation, and
 * one persistent {@code virsh} reading lines on stdin. {@link #close} runs {@code bench/libvirt down}
 * (also from a shutdown hook), which removes the domain, the daemons, their files and cgroups.
 */
final class Libvirt implements AutoCloseable {
  private static final String MARK_A = "@@qtune-";
  private static final String MARK_B = "bench@@";
  private static final String MARK = MARK_A + MARK_B;

  private final Path repo;
  private final String domain;
  private final Process api;
  private final OutputStream apiIn;
  private final BufferedReader apiOut;
  private final Process shell;
  private final OutputStream shellIn;
  private final BufferedReader shellOut;
  private final String version;
  private boolean closed;

  private Libvirt(Path repo, String domain, Path dir) throws IOException {
    this.repo = repo;
    this.domain = domain;
    Path script = dir.resolve("libvirt-api.py");
    try (InputStream in = Libvirt.class.getResourceAsStream("/libvirt/api.py")) {
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
    api = new ProcessBuilder("/usr/bin/python3", script.toString(), domain)
        .redirectError(dir.resolve("libvirt-api.err").toFile()).start();
    apiIn = api.getOutputStream();
    apiOut = new BufferedReader(new InputStreamReader(api.getInputStream(), StandardCharsets.UTF_8));
    // line-buffered stdout (stdbuf), so the marker line comes back as soon as the command is done
    shell = new ProcessBuilder("stdbuf", "-oL", "virsh", "-q", "-c", "qemu:///system")
        .redirectErrorStream(true).start();
    shellIn = shell.getOutputStream();
    shellOut = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8));
    version = NativeTools.run(List.of("libvirtd", "--version")).strip();
  }

  /** Installs (if needed) and starts libvirt, defines the domain; {@link #close} undoes all of it. */
  static Libvirt up(Path repo, Path dir, int ncpu) throws IOException {
    String name = "qtune-bench-" + Bench.rand();
    Path xml = dir.resolve(name + ".xml");
    Files.writeString(xml, domainXml(name, ncpu));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> down(repo)));
    NativeTools.run(List.of(repo.resolve("bench/libvirt").toString(), "up", name, xml.toString()));
    return new Libvirt(repo, name, dir);
  }

  /**
   * What {@link Specs#spec} gives qtune's VM, as libvirt XML: vCPU i on CPU i % ncpu, the emulator
   * on all CPUs, iothread1 on the last, vCPU bandwidth 20 ms per 100 ms; 64 MiB, TCG, no devices.
   */
  static String domainXml(String name, int ncpu) {
    return """
        <domain type='qemu'>
          <name>%s</name>
          <memory unit='MiB'>64</memory>
          <vcpu placement='static'>2</vcpu>
          <iothreads>1</iothreads>
          <cputune>
            <period>%d</period>
            <quota>%d</quota>
            <vcpupin vcpu='0' cpuset='0'/>
            <vcpupin vcpu='1' cpuset='%d'/>
            <emulatorpin cpuset='0-%d'/>
            <iothreadpin iothread='1' cpuset='%d'/>
          </cputune>
          <os><type arch='x86_64' machine='pc'>hvm</type></os>
          <features><acpi/></features>
          <on_poweroff>destroy</on_poweroff>
          <on_reboot>restart</on_reboot>
          <on_crash>destroy</on_crash>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            <controller type='usb' model='none'/>
            <memballoon model='none'/>
          </devices>
        </domain>
        """.formatted(name, Specs.PERIOD, Specs.QUOTA, 1 % ncpu, ncpu - 1, ncpu - 1);
  }

  String domain() {
    return domain;
  }

  String version() {
    return version;
  }

  /** One API call through the python binding; its own time in ns (measured inside python). */
  long api(String command) {
    try {
      apiIn.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      apiIn.flush();
      String line = apiOut.readLine();
      if (line == null) {
        throw new IllegalStateException("libvirt API helper exited; see libvirt-api.err in the bench's temp dir");
      }
      if (line.startsWith("ERR")) {
        throw new IllegalStateException("libvirt API '" + command + "' failed: " + line.substring(3).strip());
      }
      return Long.parseLong(line);
    } catch (IOException e) {
      throw new IllegalStateException("libvirt API helper: " + e.getMessage(), e);
    }
  }

  /** {@code virsh -c qemu:///system ARGS} as one process (start, connect, the command); wall ns. */
  long virsh(String... args) {
    List<String> cmd = new ArrayList<>(List.of("virsh", "-q", "-c", "qemu:///system"));
    cmd.addAll(List.of(args));
    try {
      long t0 = System.nanoTime();
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("virsh " + List.of(args) + " did not finish in 120 s");
      }
      long t = System.nanoTime() - t0;
      if (p.exitValue() != 0) {
        throw new IllegalStateException("virsh " + List.of(args) + " exited " + p.exitValue() + ": "
            + new String(out, StandardCharsets.UTF_8).strip());
      }
      return t;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run virsh: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * One line of the persistent virsh: written, then waited for until an echoed marker comes back;
   * wall ns. The marker is written quoted in two parts ({@code echo "@@a""b@@"}) because virsh echoes
   * each input line after its prompt: only the command's output has the parts joined. Its output
   * has no newline, so the stream is scanned, not read by lines.
   */
  long shell(String line) {
    try {
      long t0 = System.nanoTime();
      shellIn.write((line + "\necho \"" + MARK_A + "\"\"" + MARK_B + "\"\n").getBytes(StandardCharsets.UTF_8));
      shellIn.flush();
      StringBuilder out = new StringBuilder();
      for (int c; (c = shellOut.read()) >= 0; ) {
        out.append((char) c);
        if (c == MARK.charAt(MARK.length() - 1) && out.toString().endsWith(MARK)) {
          long t = System.nanoTime() - t0;
          if (out.indexOf("error:") >= 0) {
            throw new IllegalStateException("virsh shell '" + line + "': " + out.toString().strip());
          }
          return t;
        }
      }
      throw new IllegalStateException("the persistent virsh exited: " + out.toString().strip());
    } catch (IOException e) {
      throw new IllegalStateException("persistent virsh: " + e.getMessage(), e);
    }
  }

  private static void down(Path repo) {
    try {
      NativeTools.run(List.of(repo.resolve("bench/libvirt").toString(), "down"));
    } catch (RuntimeException e) {
      Bench.log("bench/libvirt down: %s", e.getMessage());
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Process p : List.of(api, shell)) {
      p.destroy();
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      p.destroyForcibly();
    }
    down(repo);
  }
}
