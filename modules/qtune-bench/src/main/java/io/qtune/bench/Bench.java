package io.qtune.bench;

import io.qtune.core.Qtune;
import io.qtune.core.QtuneOptions;
import io.qtune.qmp.QmpEventLoop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The bench entry point (run by {@code bench/run}, never by {@code mvn verify}): measures the five
 * items of issue 6 and the planner's speed (issue 13), with {@code --with-libvirt} beside libvirt in the
 * same run (issue 15, {@link Libvirt}), prints one table and writes it into docs/benchmarks.md between the
 * {@code results} markers.
 *
 * <pre>
 * java io.qtune.bench.Bench [--quick] [--only qmp,tune,live,launch,scale,plan] [--doc docs/benchmarks.md]
 *                          [--native-dir DIR] [--vms 100] [--with-libvirt]
 * </pre>
 */
public final class Bench {
  static final String BEGIN = "<!-- results:begin (written by bench/run; edit outside the markers) -->";
  static final String END = "<!-- results:end -->";

  private Bench() {}

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    Set<String> only = Set.of("qmp", "tune", "live", "launch", "scale", "plan");
    Path doc = Path.of("docs/benchmarks.md");
    Path nativeDir = Path.of("modules/qtune-bench/target/native");
    int vmCount = 100;
    boolean withLibvirt = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--only" -> only = Set.copyOf(Arrays.asList(args[++i].split(",")));
        case "--doc" -> doc = Path.of(args[++i]);
        case "--native-dir" -> nativeDir = Path.of(args[++i]);
        case "--vms" -> vmCount = Integer.parseInt(args[++i]);
        case "--with-libvirt" -> withLibvirt = true;
        default -> throw new IllegalArgumentException("unknown argument '" + args[i]
            + "' (allowed: --quick, --only qmp,tune,live,launch,scale,plan, --doc FILE, --native-dir DIR, --vms N, --with-libvirt)");
      }
    }
    long start = System.nanoTime();
    String load0 = loadavg();
    Machine machine = Machine.describe();
    log("machine: %s", machine);
    NativeTools tools = NativeTools.build(nativeDir);
    int ncpu = machine.cores();
    Path dir = Files.createTempDirectory("qtune-bench-");
    List<Row> rows = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    Optional<Libvirt> libvirt = Optional.empty();
    try (BenchPartition partition = new BenchPartition()) {
      if (withLibvirt && (only.contains("live") || only.contains("launch"))) {
        log("libvirt: install if needed, start, define the equivalent domain (bench/libvirt up)...");
        libvirt = Optional.of(Libvirt.up(Path.of("").toAbsolutePath(), dir, ncpu));
        notes.add("libvirt: " + libvirt.get().version() + ", driven through its python binding (one connection),"
            + " a persistent virsh and one virsh per operation, in turns with qtune");
      }
      if (only.contains("qmp")) {
        log("QMP round trips...");
        try (QmpEventLoop loop = QmpEventLoop.create(1); QemuVm vm = QemuVm.start(dir, "qmp", 1, 64)) {
          rows.addAll(Tables.qmp(new QmpBench(vm.socket(), tools, loop, quick).run()));
        }
      }
      Path state = Files.createDirectories(dir.resolve("state"));
      try (Qtune qtune = Qtune.create(QtuneOptions.defaults().withPartition(partition.partition()).withStateDir(state))) {
        if (only.contains("tune")) {
          log("tuning one VM...");
          int[] ns = quick ? new int[] {2, 8} : new int[] {2, 8, 32, 64};
          rows.addAll(Tables.tune(new TuneBench(qtune, partition, tools, dir, ncpu, quick).run(ns)));
        }
        if (only.contains("live")) {
          log("live operations...");
          LiveOpsBench.Result live = new LiveOpsBench(qtune, partition, dir, ncpu, quick, libvirt).run();
          rows.addAll(Tables.live(live));
          if (Files.isExecutable(Path.of("qtune")) && Files.isDirectory(Path.of("modules/qtune-cli/target/lib"))) {
            log("live operations through ./qtune...");
            CliBench.Result cli = new CliBench(Path.of("").toAbsolutePath(), dir, partition.partition(), ncpu, quick).run();
            Sample oneVirsh = live.virsh().get(LiveOpsBench.VCPUPIN);
            Sample virshLine = live.shell().get(LiveOpsBench.VCPUPIN);
            rows.add(Row.info("3", "vcpupin through `./qtune` one-shot (JVM start + connect + discovery + pin)",
                cli.oneShot().format(), oneVirsh == null ? "–" : "one virsh vcpupin: " + oneVirsh.format(),
                oneVirsh == null ? "–" : String.format("%.1f× virsh's time", cli.oneShot().median() / oneVirsh.median())));
            rows.add(Row.absolute("3", "… `./qtune --direct` one-shot vcpupin, wall time against the goal",
                cli.oneShot(), "JVM start floor (`java -version`, the launcher's flags)", cli.jvmFloor(), 250));
            if (cli.viaDaemon() != null) {
              rows.add(Row.absolute("3", "… `./qtune` one-shot vcpupin through `qtune daemon` (its socket, no QMP)",
                  cli.viaDaemon(), "JVM start floor", cli.jvmFloor(), 150));
            } else {
              rows.add(Row.info("3", "… `./qtune` one-shot through `qtune daemon`", "not measured",
                  "the daemon is not built (mvn -B -ntp package -DskipTests)", "–"));
            }
            rows.add(Row.info("3", "vcpupin as a line of `./qtune shell` (one JVM, one connection)",
                cli.shellPerLine().format(), (virshLine == null ? "" : "virsh shell line: " + virshLine.format() + "; ")
                    + "empty qtune shell " + cli.shellEmpty().format(),
                virshLine == null ? "–" : String.format("%.2f× virsh's time", cli.shellPerLine().median() / virshLine.median())));
          } else {
            rows.add(Row.info("3", "`./qtune` one-shot and `./qtune shell`", "not measured",
                "the CLI is not built (mvn -B -ntp install -DskipTests)", "–"));
          }
        }
        if (only.contains("launch")) {
          log("launch...");
          rows.addAll(Tables.launch(new LaunchBench(qtune, tools, dir, ncpu, quick, libvirt).run()));
        }
      }
      if (only.contains("scale")) {
        int count = quick ? Math.min(vmCount, 20) : vmCount;
        log("scale: %d VMs in a fresh JVM...", count);
        rows.addAll(Tables.scale(count, ScaleBench.run(count, dir)));
      }
      if (only.contains("plan")) {
        log("planning on a 4-socket, 448-CPU host, half held...");
        new PlanBench(quick).run().forEach((policy, warm) -> rows.add(Row.info("6",
            "plan 16 dedicated vCPUs (" + policy + ") on 4 sockets, 448 CPUs, 224 held: warm median, p99",
            warm.formatWithP99(), "goal (issue 13, not enforced): under 5 ms warm", "–")));
      }
      libvirt.ifPresent(Libvirt::close);
      partition.close();
      List<Path> left = partition.leftovers();
      if (!left.isEmpty()) {
        notes.add("cgroups left behind: " + left);
      }
    } finally {
      libvirt.ifPresent(Libvirt::close);
      deleteTree(dir);
    }
    long took = (System.nanoTime() - start) / 1_000_000_000L;
    notes.add("load average at start / end: " + load0 + " / " + loadavg());
    String table = Tables.markdown(rows);
    String results = "Measured " + machine.date() + (quick ? " (--quick: fewer iterations)" : "")
        + ", run took " + took / 60 + " min " + took % 60 + " s.\n\n" + machine.markdown() + "\n" + table
        + (notes.isEmpty() ? "" : "\n" + String.join("\n", notes) + "\n");
    System.out.println(results);
    writeDoc(doc, results);
    log("wrote %s", doc);
    System.exit(0); // Netty's GlobalEventExecutor thread is not a daemon
  }

  private static void writeDoc(Path doc, String results) throws IOException {
    String block = BEGIN + "\n" + results + END;
    String text = Files.exists(doc) ? Files.readString(doc) : "# qtune benchmarks\n\n" + BEGIN + "\n" + END + "\n";
    int b = text.indexOf(BEGIN);
    int e = text.indexOf(END);
    if (b < 0 || e < b) {
      text = text + "\n" + block + "\n";
    } else {
      text = text.substring(0, b) + block + text.substring(e + END.length());
    }
    Files.writeString(doc, text);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted((x, y) -> y.compareTo(x)).collect(Collectors.toList())) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log("could not delete %s: %s", dir, e);
    }
  }

  static String loadavg() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  static void log(String fmt, Object... args) {
    System.err.printf("[bench] " + fmt + "%n", args);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String rand() {
    return UUID.randomUUID().toString().substring(0, 8);
  }
}
