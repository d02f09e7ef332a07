package io.qtune.daemon;

import io.qtune.core.Qtune;
import io.qtune.core.QtuneOptions;
import io.qtune.core.Vm;
import io.qtune.core.spec.SpecReader;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The daemon's benchmark rows (docs/benchmarks.md, "The daemon"), side by side in one run:
 * a vcpupin through the API (a plain keep-alive client on the unix socket) against the same
 * vcpupin in-process (two QEMUs alike, alternating rounds), and the re-adoption of N recorded VMs at daemon start. A main, not a test:
 * no thresholds, figures printed.
 *
 * <pre>mvn -B -ntp -o -q test-compile -pl modules/qtune-daemon -am
 * java -cp "$(cat cp.txt)" io.qtune.daemon.DaemonBench [N]</pre>
 */
public final class DaemonBench {
  private static final int WARM = 20000;
  private static final int RUNS = 2000;
  private static final int ROUNDS = 10;

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    try (CgroupSandbox sandbox = new CgroupSandbox("daemonbench")) {
      apiVersusInProcess(sandbox);
      readoption(sandbox, n);
    }
  }

  /**
   * Two QEMUs of the same shape: one tuned in this JVM, one through the daemon (its own process),
   * measured in alternating rounds so that both see the same machine at the same time.
   */
  private static void apiVersusInProcess(CgroupSandbox sandbox) throws Exception {
    Path state = Files.createTempDirectory("qd-bench-state-");
    try (QemuProcess local = QemuProcess.start("2");
        QemuProcess remote = QemuProcess.start("2");
        Qtune qtune = Qtune.create(QtuneOptions.defaults().withPartition(sandbox.partition()).withStateDir(state));
        DaemonProcess daemon = new DaemonProcess(sandbox.partition())) {
      Vm vm = qtune.attach(local.socket(), SpecReader.parse("{\"name\": \"bench\"}")).join();
      daemon.jvmOptions = new String[] {"-XX:+UseSerialGC", "-Xshare:auto"};
      daemon.start();
      if (daemon.call("POST", "/v1/vms", "{\"qmp\": \"" + remote.socket() + "\", \"spec\": {\"name\": \"bench\"}}")
          .status() != 201) {
        throw new IllegalStateException("attach failed: " + daemon.log());
      }
      List<Long> inProcess = new ArrayList<>();
      List<Long> api = new ArrayList<>();
      List<Double> ratios = new ArrayList<>();
      try (UnixHttp http = new UnixHttp(daemon.socket)) {
        IntConsumer local1 = i -> vm.pins().vcpu(0, cpuset(i)).join();
        IntConsumer remote1 = i -> {
          try {
            UnixHttp.Reply r = http.send("PUT", "/v1/vms/bench/vcpus/0/pin", "{\"cpuset\": \"" + cpuset(i) + "\"}");
            if (r.status() != 204) {
              throw new IllegalStateException(r.body());
            }
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        };
        for (int i = 0; i < WARM; i++) {
          local1.accept(i);
          remote1.accept(i);
        }
        for (int round = 0; round < ROUNDS; round++) {
          List<Long> a = time(local1, RUNS / ROUNDS);
          List<Long> b = time(remote1, RUNS / ROUNDS);
          inProcess.addAll(a);
          api.addAll(b);
          ratios.add(pct(b, 50) / pct(a, 50));
        }
      }
      vm.close();
      Collections.sort(ratios);
      System.out.printf("vcpupin in-process          median %7.1f us  p99 %7.1f us  (n=%d after %d warm-up)%n",
          pct(inProcess, 50) / 1e3, pct(inProcess, 99) / 1e3, inProcess.size(), WARM);
      System.out.printf("vcpupin over the socket     median %7.1f us  p99 %7.1f us  (keep-alive, JDK SocketChannel)%n",
          pct(api, 50) / 1e3, pct(api, 99) / 1e3);
      System.out.printf("ratio (API / in-process)    median %5.2fx  p99 %5.2fx  (per round, %d alternating rounds: %s)%n",
          pct(api, 50) / pct(inProcess, 50), pct(api, 99) / pct(inProcess, 99), ROUNDS,
          ratios.stream().map(r -> String.format("%.2f", r)).reduce((x, y) -> x + " " + y).orElse(""));
    } finally {
      deleteTree(state);
    }
  }

  /** The pin of call {@code i}: alternating, so every call changes something. */
  private static String cpuset(int i) {
    return (i & 1) == 0 ? "1" : "0";
  }

  private static List<Long> time(IntConsumer op, int n) {
    List<Long> t = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      op.accept(i);
      t.add(System.nanoTime() - t0);
    }
    return t;
  }

  private static void readoption(CgroupSandbox sandbox, int n) throws Exception {
    List<QemuProcess> vms = new ArrayList<>();
    try (DaemonProcess daemon = new DaemonProcess(sandbox.partition())) {
      for (int i = 0; i < n; i++) {
        vms.add(QemuProcess.start("1", List.of("-m", "16")));
      }
      daemon.jvmOptions = new String[] {"-XX:+UseSerialGC", "-Xshare:auto"};
      daemon.start();
      for (int i = 0; i < n; i++) {
        int s = daemon.call("POST", "/v1/vms", "{\"qmp\": \"" + vms.get(i).socket() + "\", \"spec\": {\"name\": \"r" + i
            + "\", \"vcpupin\": [{\"vcpu\": 0, \"cpuset\": \"" + (i % 2) + "\"}]}}").status();
        if (s != 201) {
          throw new IllegalStateException("attach r" + i + ": " + s + " " + daemon.log());
        }
      }
      List<Long> adopt = new ArrayList<>();
      List<Long> start = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        daemon.kill();
        long t0 = System.nanoTime();
        daemon.start();
        start.add(System.nanoTime() - t0);
        Matcher m = Pattern.compile("re-adopted (\\d+) VM\\(s\\) from \\S+ in (\\d+) ms").matcher(daemon.log());
        if (!m.find() || Integer.parseInt(m.group(1)) != n) {
          throw new IllegalStateException("re-adoption incomplete: " + daemon.log());
        }
        adopt.add(Long.parseLong(m.group(2)) * 1_000_000);
      }
      Collections.sort(adopt);
      Collections.sort(start);
      System.out.printf("re-adoption of %d VMs        %s ms (3 restarts after SIGKILL); start to first answer %s ms%n", n,
          ms(adopt), ms(start));
    } finally {
      vms.forEach(QemuProcess::close);
    }
  }

  private static String ms(List<Long> v) {
    return v.stream().map(x -> String.valueOf(x / 1_000_000)).reduce((a, b) -> a + ", " + b).orElse("");
  }

  private static double pct(List<Long> v, int p) {
    List<Long> s = new ArrayList<>(v);
    Collections.sort(s);
    return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
