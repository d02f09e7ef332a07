package io.qtune.bench;

import io.qtune.plan.Ledger;
import io.qtune.plan.PlanRequest;
import io.qtune.plan.PlanRequest.EmulatorPolicy;
import io.qtune.plan.PlanRequest.Options;
import io.qtune.plan.PlanRequest.ThreadPolicy;
import io.qtune.plan.Planner;
import io.qtune.plan.Topology;
import io.qtune.plan.Cpu;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Issue 13's speed item: planning 16 dedicated vCPUs on a 4-socket, 448-CPU host (56 cores per
 * socket, SMT 2, one node per socket, an uncore cache per 8 cores) with half its CPUs held by
 * earlier plans. Pure computation: no QEMU, no cgroups. Warm figures skip the first half of the
 * iterations (JIT).
 */
final class PlanBench {
  static final int SOCKETS = 4;
  static final int CORES_PER_SOCKET = 56;
  static final int THREADS = 2;

  private final boolean quick;

  PlanBench(boolean quick) {
    this.quick = quick;
  }

  /** Warm samples per thread policy asked: prefer, isolate + emulator isolate, require. */
  Map<String, Sample> run() {
    Topology t = topology();
    Ledger ledger = halfHeld(t);
    Map<String, Options> asks = new LinkedHashMap<>();
    asks.put("prefer", Options.defaults());
    asks.put("isolate, emulator isolate",
        Options.defaults().withThreadPolicy(ThreadPolicy.ISOLATE).withEmulator(EmulatorPolicy.ISOLATE, 1));
    asks.put("require", Options.defaults().withThreadPolicy(ThreadPolicy.REQUIRE));
    int n = quick ? 400 : 4000;
    Map<String, Sample> out = new LinkedHashMap<>();
    for (Map.Entry<String, Options> a : asks.entrySet()) {
      long[] ns = new long[n];
      for (int i = 0; i < n; i++) {
        long start = System.nanoTime();
        Planner.plan(t, ledger, PlanRequest.dedicated(16, a.getValue()));
        ns[i] = System.nanoTime() - start;
      }
      out.put(a.getKey(), Sample.of(Arrays.copyOfRange(ns, n / 2, n)));
    }
    return out;
  }

  /** Linux numbering: thread th of core k is CPU th * cores + k. */
  static Topology topology() {
    int cores = SOCKETS * CORES_PER_SOCKET;
    List<Cpu> cpus = new ArrayList<>();
    for (int th = 0; th < THREADS; th++) {
      for (int k = 0; k < cores; k++) {
        int socket = k / CORES_PER_SOCKET;
        cpus.add(new Cpu(th * cores + k, k, socket, socket, k / 8));
      }
    }
    return new Topology(cpus);
  }

  /** Half the host held by VMs of 1 to 8 vCPUs under random thread policies (seeded: the same each run). */
  static Ledger halfHeld(Topology t) {
    Ledger ledger = Ledger.empty();
    Random r = new Random(13);
    int half = t.all().size() / 2;
    while (ledger.taken().size() < half) {
      Options o = Options.defaults().withThreadPolicy(ThreadPolicy.values()[r.nextInt(3)]);
      ledger = ledger.after(Planner.plan(t, ledger, PlanRequest.dedicated(1 + r.nextInt(8), o)));
    }
    return ledger;
  }
}
