package io.qtune.it;

import io.qtune.core.Qtune;
import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.CgroupSandbox;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The soak ({@code integration-tests/soak/run [CYCLES]}): CYCLES times, one VM through the library
 * and one through {@code ./qtune}, each launched, tuned, given every live operation and destroyed.
 * Samples ({@link SoakSample}) at the start (after one warm-up cycle), every {@code SOAK_EVERY} cycles (default 50) and at
 * the end, then judges them ({@link SoakVerdict}). Exit 0 when every rule holds.
 */
public final class Soak {
  private Soak() {}

  public static void main(String[] argv) throws Exception {
    int cycles = argv.length > 0 ? Integer.parseInt(argv[0]) : 500;
    int every = Integer.parseInt(System.getenv().getOrDefault("SOAK_EVERY", "50"));
    if (cycles < 1 || every < 1) {
      throw new IllegalArgumentException("CYCLES and SOAK_EVERY must be >= 1");
    }
    String marker = "qtune-soak-" + UUID.randomUUID().toString().substring(0, 8);
    Path work = Files.createTempDirectory("qtune-soak-");
    Path libState = Files.createDirectory(work.resolve("lib-state"));
    Path cliState = Files.createDirectory(work.resolve("cli-state"));
    Path files = Files.createDirectory(work.resolve("files"));
    List<SoakSample> samples = new ArrayList<>();
    int done = 0;
    Throwable failure = null;
    long t0 = System.nanoTime();
    long libNanos = 0;
    long cliNanos = 0;
    try (CgroupSandbox sandbox = new CgroupSandbox("soak")) {
      List<Path> states = List.of(libState, cliState);
      // one warm-up cycle first: class loading keeps the jars open, the JDK starts its shared
      // threads once (JNA Cleaner, CompletableFutureDelayScheduler), and a state dir keeps its
      // .lock and each VM name's QEMU log; the baseline is what stays after that
      try (Qtune warm = Qtune.create(TestOptions.options().withPartition(sandbox.partition())
          .withStateDir(libState))) {
        SoakCycles first = new SoakCycles(warm, files, cliState, sandbox.partition(), marker);
        first.library();
        first.cli();
      }
      SoakCycles.gc(cliState, sandbox.partition());
      samples.add(SoakSample.take("start", sandbox.dirs(), states, marker));
      print(samples.get(0), true);
      try (Qtune qtune = Qtune.create(TestOptions.options().withPartition(sandbox.partition())
          .withStateDir(libState))) {
        SoakCycles run = new SoakCycles(qtune, files, cliState, sandbox.partition(), marker);
        for (int i = 1; i <= cycles; i++) {
          long[] lib = new long[1];
          long a = System.nanoTime();
          // the two VMs of a cycle side by side: what the library and the CLI do at the same time
          CompletableFuture<Void> library = new CompletableFuture<>();
          Thread libraryThread = new Thread(() -> {
            try {
              run.library();
              lib[0] = System.nanoTime();
              library.complete(null);
            } catch (Throwable e) {
              library.completeExceptionally(e);
            }
          }, "soak-library");
          libraryThread.start();
          run.cli();
          long c = System.nanoTime();
          libraryThread.join();
          try {
            library.join();
          } catch (CompletionException e) {
            throw e.getCause();
          }
          libNanos += lib[0] - a;
          cliNanos += c - a;
          done = i;
          if (i % every == 0 || i == cycles) {
            samples.add(SoakSample.take(Integer.toString(i), sandbox.dirs(), states, marker));
            print(samples.get(samples.size() - 1), false);
          }
        }
      } catch (Throwable e) {
        failure = e;
      }
      try {
        SoakCycles.gc(cliState, sandbox.partition());
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure;
      }
      samples.add(SoakSample.take("end", sandbox.dirs(), states, marker));
      print(samples.get(samples.size() - 1), false);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf("soak: %d of %d cycles in %.0f s (per cycle, side by side: library VM %.2f s, CLI VM %.2f s), JVM %s%n",
        done, cycles, secs, done == 0 ? 0 : libNanos / 1e9 / done, done == 0 ? 0 : cliNanos / 1e9 / done,
        ManagementFactory.getRuntimeMXBean().getVmVersion());
    if (end(samples).stateFiles() != samples.get(0).stateFiles()) {
      for (Path d : List.of(libState, cliState)) {
        try (var s = Files.walk(d)) {
          s.filter(Files::isRegularFile).forEach(f -> System.out.println("soak: in a state dir at the end: " + f));
        }
      }
    }
    if (end(samples).threads() > samples.get(0).threads()) {
      Thread.getAllStackTraces().keySet().forEach(t -> System.out.println("soak: thread at the end: " + t.getName()));
    }
    List<String> broken = SoakVerdict.judge(samples);
    if (broken.stream().anyMatch(b -> b.startsWith("fds"))) {
      // name the fds: each sample's open fds that the start did not have
      for (SoakSample s : samples.subList(1, samples.size())) {
        List<String> extra = new ArrayList<>(s.fdTargets());
        samples.get(0).fdTargets().forEach(extra::remove);
        System.out.println("soak: fds at " + s.at() + " beyond the start's: " + extra);
      }
    }
    if (failure != null) {
      System.out.println("soak: FAILED in cycle " + (done + 1) + ": " + failure);
      failure.printStackTrace(System.out);
    }
    broken.forEach(b -> System.out.println("soak: FAILED " + b));
    boolean ok = failure == null && broken.isEmpty();
    System.out.println(ok ? "soak: PASS (" + SoakVerdict.RULE + ")" : "soak: FAIL");
    deleteTree(work);
    System.exit(ok ? 0 : 1);
  }

  private static SoakSample end(List<SoakSample> samples) {
    return samples.get(samples.size() - 1);
  }

  private static void print(SoakSample s, boolean header) {
    if (header) {
      StringBuilder h = new StringBuilder(String.format("%-8s", "cycle"));
      SoakSample.COLUMNS.forEach(c -> h.append(String.format(" %11s", c)));
      System.out.println(h);
    }
    StringBuilder row = new StringBuilder(String.format("%-8s", s.at()));
    for (int c = 0; c < SoakSample.COLUMNS.size(); c++) {
      row.append(String.format(" %11d", s.value(c)));
    }
    System.out.println(row);
    System.out.flush();
  }

  private static void deleteTree(Path dir) {
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      // temp files only
    }
  }
}
