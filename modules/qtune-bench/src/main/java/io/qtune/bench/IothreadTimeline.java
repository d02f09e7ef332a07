package io.qtune.bench;

import io.qtune.core.Qtune;
import io.qtune.core.QtuneOptions;
import io.qtune.core.Vm;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where an iothread add+del pair spends its time: warms up, then runs pairs with a marker write to
 * /dev/null before each step, so {@code strace -f -tt -T -e trace=...} of this JVM shows a timeline
 * of the QMP round trips, mkdir, writes, attaches, rmdir and waits of each pair.
 *
 * <pre>strace -f -tt -T -o OUT java -cp CP io.qtune.bench.IothreadTimeline [pairs]</pre>
 */
public final class IothreadTimeline {
  private IothreadTimeline() {}

  public static void main(String[] args) throws Exception {
    int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path dir = Files.createTempDirectory("qtune-bench-");
    int ncpu = Runtime.getRuntime().availableProcessors();
    try (BenchPartition partition = new BenchPartition();
        FileOutputStream mark = new FileOutputStream("/dev/null");
        Qtune qtune = Qtune.create(QtuneOptions.defaults().withPartition(partition.partition())
            .withStateDir(Files.createDirectories(dir.resolve("state"))));
        QemuVm qemu = QemuVm.start(dir, "timeline", 2, 64, 1)) {
      Vm vm = qtune.attach(qemu.socket(), Specs.spec("timeline", 2, ncpu, true)).join();
      for (int i = 0; i < 300; i++) {
        vm.iothreads().add(IothreadSpec.of(3)).join();
        vm.iothreads().delete(3).join();
      }
      for (int i = 0; i < pairs; i++) {
        Bench.sleep(50);
        mark.write(("PAIR " + i + " add").getBytes(StandardCharsets.US_ASCII));
        long t0 = System.nanoTime();
        vm.iothreads().add(IothreadSpec.of(3)).join();
        long t1 = System.nanoTime();
        mark.write(("PAIR " + i + " del").getBytes(StandardCharsets.US_ASCII));
        vm.iothreads().delete(3).join();
        long t2 = System.nanoTime();
        mark.write(("PAIR " + i + " end").getBytes(StandardCharsets.US_ASCII));
        System.err.printf("pair %d: add %.2f ms, del %.2f ms%n", i, (t1 - t0) / 1e6, (t2 - t1) / 1e6);
      }
      vm.close();
    } finally {
      try (var s = Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // temp
      }
    }
    System.exit(0);
  }
}
