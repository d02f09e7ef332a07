package io.qtune.plan;

import io.qtune.plan.PlanRequest.EmulatorPolicy;
import io.qtune.plan.PlanRequest.Options;
import io.qtune.plan.PlanRequest.ThreadPolicy;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Prints how long planning takes on a 4-socket, 448-CPU host with half its CPUs held. No assertion. */
class PlanningSpeedTest {
    @Test
    void fourSockets448CpusHalfAllocated() {
        Topology t = Topologies.regular(4, 1, 56, 2, 8);
        Ledger ledger = Ledger.empty();
        Random r = new Random(13);
        while (ledger.taken().size() < 224) {
            int n = 1 + r.nextInt(8);
            Options o = Options.defaults().withThreadPolicy(ThreadPolicy.values()[r.nextInt(3)]);
            ledger = ledger.after(Planner.plan(t, ledger, PlanRequest.dedicated(n, o)));
        }
        Options[] asks = {Options.defaults(), Options.defaults().withThreadPolicy(ThreadPolicy.ISOLATE)
                .withEmulator(EmulatorPolicy.ISOLATE, 1), Options.defaults().withThreadPolicy(ThreadPolicy.REQUIRE)};
        for (Options o : asks) {
            long[] ns = new long[400];
            for (int i = 0; i < ns.length; i++) {
                long start = System.nanoTime();
                Planner.plan(t, ledger, PlanRequest.dedicated(16, o));
                ns[i] = System.nanoTime() - start;
            }
            long[] warm = Arrays.copyOfRange(ns, 200, 400);
            Arrays.sort(warm);
            System.out.printf("planning 16 vCPUs (%s) on 448 CPUs, %d held: first %.2f ms, warm median %.3f ms,"
                    + " p99 %.3f ms%n", o.threadPolicy().name().toLowerCase(), ledger.taken().size(), ns[0] / 1e6,
                    warm[100] / 1e6, warm[197] / 1e6);
        }
    }
}
