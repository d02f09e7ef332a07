package io.qtune.it;

import io.qtune.core.OperationFailedException;
import io.qtune.core.Qtune;
import io.qtune.core.SchedParams;
import io.qtune.core.Vm;
import io.qtune.core.spec.SpecReader;
import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * One soak cycle's two VMs: one launched, tuned, operated on and destroyed through the library
 * (the soak's own JVM), one the same way through {@code ./qtune} (launch, one shell for the
 * operations, SIGTERM to the launcher). Any unexpected outcome throws.
 */
final class SoakCycles {
  static final String SPEC = """
      {"name": "%s", "iothreads": [ {"id": 1}, {"id": 2, "poll_max_ns": 32768} ],
       "vcpupin": [ {"vcpu": 0, "cpuset": "0"}, {"vcpu": 1, "cpuset": "1"} ],
       "emulatorpin": "1", "iothreadpin": [ {"iothread": 1, "cpuset": "1"} ],
       "shares": 2048, "period": 100000, "quota": 50000,
       "emulator_period": 200000, "emulator_quota": 60000,
       "iothread_period": 100000, "iothread_quota": 40000}
      """;
  /** The tuning applied to the running VM: pins swapped, other quotas. */
  static final String TUNED = """
      {"name": "%s", "iothreads": [ {"id": 1}, {"id": 2, "poll_max_ns": 32768} ],
       "vcpupin": [ {"vcpu": 0, "cpuset": "1"}, {"vcpu": 1, "cpuset": "0"} ],
       "emulatorpin": "0", "iothreadpin": [ {"iothread": 2, "cpuset": "0"} ],
       "shares": 1024, "period": 100000, "quota": 30000}
      """;

  private final Qtune qtune;
  private final Path work;
  private final String marker;
  private final QtuneCommand cli;
  private final QtuneCommand cliVm;
  private final Path image;

  SoakCycles(Qtune qtune, Path work, Path cliState, String partition, String marker) throws IOException {
    this.qtune = qtune;
    this.work = work;
    this.marker = marker;
    this.cli = new QtuneCommand("--state-dir", cliState.toString(), "--partition", partition);
    this.cliVm = new QtuneCommand("--state-dir", cliState.toString(), "--partition", partition, "--name", "soak-cli");
    this.image = work.resolve("disk.raw");
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.setLength(1 << 20);
    }
    Files.writeString(work.resolve("cli.json"), SPEC.formatted("soak-cli"));
    Files.writeString(work.resolve("cli-tuned.json"), TUNED.formatted("soak-cli"));
  }

  List<String> qemuArgs() {
    List<String> args = QemuProcess.baseArgs("2,maxcpus=3");
    args.addAll(List.of("-smbios", "type=1,serial=" + marker));
    return args;
  }

  void library() {
    Vm vm = qtune.launch(SpecReader.parse(SPEC.formatted("soak-lib")), qemuArgs(),
        TestOptions.launch().paused()).join();
    try {
      TuningSpec tuned = SpecReader.parse(TUNED.formatted("soak-lib"));
      vm.apply(tuned).join();
      check(vm.diff(tuned).join().isEmpty(), "drift right after apply");
      vm.pins().vcpu(0, "0").join();
      vm.pins().emulator("1").join();
      vm.iothreads().add(IothreadSpec.of(3)).join();
      vm.pins().iothread(3, "1").join();
      vm.iothreads().delete(3).join();
      vm.scheduler().set(new SchedParams().parse("vcpu_quota=20000").parse("emulator_quota=-1")).join();
      vm.scheduler().vcpuPolicy("0", "batch", null).join();
      vm.vcpus().setCount(3).join();
      vm.disks().attach(image, "vdb", 1).join();
      try {
        // a paused guest cannot acknowledge the unplug: the typed failure, nothing hangs
        vm.disks().detach("vdb", Duration.ofMillis(200)).join();
        throw new IllegalStateException("detach of a disk in a paused guest succeeded");
      } catch (CompletionException e) {
        check(e.getCause() instanceof OperationFailedException, "detach failed with " + e.getCause());
      }
      check(vm.vcpus().info().join().size() == 3, "3 vCPUs after setvcpus");
      vm.pins().vcpus().join();
      vm.pins().emulator().join();
      vm.iothreads().info().join();
      vm.scheduler().get().join();
      vm.placement().join();
    } finally {
      vm.destroy().orTimeout(TestTime.millis(30), TimeUnit.MILLISECONDS).join();
    }
  }

  void cli() throws IOException, InterruptedException {
    List<String> launch = new ArrayList<>(List.of("launch", work.resolve("cli.json").toString(), "--paused", "--"));
    launch.addAll(qemuArgs());
    // stdin from /dev/null: no pipe for the JDK's reaper to close after waitFor (the soak counts fds)
    Process launcher = cli.builder(launch.toArray(String[]::new)).redirectError(work.resolve("launch.err").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      check(line != null && line.startsWith("VM 'soak-cli' launched"),
          "launch printed " + line + "; stderr: " + Files.readString(work.resolve("launch.err")));
      String script = String.join("\n",
          "apply " + work.resolve("cli-tuned.json"),
          "diff " + work.resolve("cli-tuned.json"),
          "vcpupin 0 0", "emulatorpin 1", "iothreadadd 3", "iothreadpin 3 1", "iothreaddel 3",
          "schedinfo --set vcpu_quota=20000 --set emulator_quota=-1", "setvcpus 3",
          "attach-disk " + image + " vdb --iothread 1 --subdriver raw",
          "vcpuinfo", "iothreadinfo", "emulatorpin", "schedinfo", "ps", "") + "\n";
      QtuneCommand.Result r = cliVm.runWithInput(script, "shell");
      check(r.code() == 0 && r.err().isEmpty(), "shell: " + r);
    } finally {
      launcher.destroy(); // SIGTERM: the launcher stops QEMU and removes its groups
      if (!launcher.waitFor(TestTime.millis(30), TimeUnit.MILLISECONDS)) {
        launcher.destroyForcibly();
        throw new IllegalStateException("./qtune launch did not exit within 30 s of SIGTERM");
      }
      launcher.getInputStream().close();
    }
  }

  /** {@code ./qtune gc} over the CLI's state dir: finds nothing to remove when destroy did its job. */
  static void gc(Path cliState, String partition) {
    QtuneCommand.Result r = new QtuneCommand("--state-dir", cliState.toString(), "--partition", partition).run("gc");
    check(r.code() == 0, "gc: " + r);
  }

  static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException(what);
    }
  }
}
