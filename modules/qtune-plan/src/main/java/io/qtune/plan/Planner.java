package io.qtune.plan;

import io.qtune.host.cpu.CpuSet;
import io.qtune.plan.PlanRequest.GuestCell;
import io.qtune.plan.PlanRequest.Options;
import io.qtune.plan.PlanRequest.ThreadPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plans where a VM's vCPUs and emulator go. Pure: reads only its arguments, so the same call gives
 * the same plan on any machine.
 */
public final class Planner {
    private Planner() {
    }

    /**
     * @throws BadRequestException the request contradicts itself
     * @throws PlanException the host cannot satisfy it now; the message names the constraint and
     *         what is free
     */
    public static Plan plan(Topology topology, Ledger ledger, PlanRequest request) {
        RequestCheck.check(request);
        return new PlanRun(topology, ledger, request).run();
    }

    /** One planning run: the pool it takes from and the decisions it writes down. */
    private static final class PlanRun {
        private final Topology topo;
        private final Ledger ledger;
        private final PlanRequest req;
        private final Options opt;
        private final Pool pool;
        private final List<Decision> why = new ArrayList<>();
        private final Allocator vcpuAlloc;
        private final Allocator emuAlloc;
        private final int count;
        private final int emu;

        PlanRun(Topology topo, Ledger ledger, PlanRequest req) {
            this.topo = topo;
            this.ledger = ledger;
            this.req = req;
            this.opt = req.options();
            this.pool = new Pool(topo, ledger.available(topo));
            this.count = req.count();
            this.emu = opt.emulatorCpus();
            this.vcpuAlloc = vcpuAllocator();
            this.emuAlloc = emulatorAllocator();
        }

        private Allocator vcpuAllocator() {
            return switch (opt.threadPolicy()) {
                case ISOLATE -> new WholeCoreAllocator(topo, true, 1);
                case REQUIRE -> new WholeCoreAllocator(topo, false, 2);
                case PREFER -> new PackedAllocator(topo, opt.distributeAcrossCores(), opt.preferAlignUncoreCache(),
                        opt.fullPcpusOnly());
            };
        }

        // the emulator never shares a core with another VM when the vCPUs may not either
        private Allocator emulatorAllocator() {
            if (opt.threadPolicy() == ThreadPolicy.ISOLATE) {
                return new WholeCoreAllocator(topo, true, 1);
            }
            if (opt.threadPolicy() == ThreadPolicy.REQUIRE || opt.fullPcpusOnly()) {
                return new WholeCoreAllocator(topo, false, 1);
            }
            return new PackedAllocator(topo, false, false, false);
        }

        Plan run() {
            why.add(new Decision("request", req.vcpus() + " vCPUs, cpu_policy " + lower(req.cpuPolicy()) + ", "
                    + count + " dedicated, thread_policy " + lower(opt.threadPolicy()) + ", emulator_threads "
                    + lower(opt.emulatorThreads()) + (emu > 0 ? " (" + emu + " CPU)" : "")));
            checkHost();
            Map<Integer, Integer> cellNodes = new LinkedHashMap<>();
            Map<Integer, CpuSet> cellCpus = new LinkedHashMap<>();
            Taken vcpus;
            Taken emulator;
            if (!req.guestNuma().isEmpty()) {
                Taken[] both = placeCells(cellNodes, cellCpus);
                vcpus = both[0];
                emulator = both[1];
            } else if (opt.distributeAcrossNuma() && count > 0) {
                Taken[] both = distribute();
                vcpus = both[0];
                emulator = both[1];
            } else {
                Taken[] both = packOrSpread();
                vcpus = both[0];
                emulator = both[1];
            }
            Map<Integer, Integer> pinning = new LinkedHashMap<>();
            if (req.guestNuma().isEmpty()) {
                pin(req.dedicatedVcpus(), vcpus.cpus(), pinning);
            } else {
                for (GuestCell c : req.guestNuma()) {
                    pin(c.dedicatedVcpus(), cellCpus.get(c.id()), pinning);
                }
            }
            CpuSet shared = sharedCpus(vcpus.cpus().union(emulator.cpus()));
            CpuSet emulatorPin = emulatorPin(emulator.cpus(), vcpus.cpus(), shared);
            CpuSet nodes = topo.nodesOf(vcpus.cpus().union(emulator.cpus()));
            if (!req.realtimeVcpus().isEmpty()) {
                why.add(new Decision("realtime", "vCPUs " + req.realtimeVcpus() + " run SCHED_FIFO priority 1; the others"
                        + " stay ordinary for the guest's housekeeping (Nova's rule)"));
            }
            return new Plan(vcpus.cpus(), pinning, shared, emulator.cpus(), emulatorPin,
                    vcpus.held().union(emulator.held()), cellNodes, nodes, req.realtimeVcpus(), why);
        }

        private void checkHost() {
            int t = topo.threadsPerCore();
            if (opt.threadPolicy() == ThreadPolicy.REQUIRE && t < 2 && count > 0) {
                throw new PlanException("thread_policy", "require needs SMT siblings, this host has 1 thread per core",
                        FreeText.of(pool));
            }
            if (opt.fullPcpusOnly() && count % t != 0) {
                // the kubelet's wording, so people searching for it find the option
                throw new PlanException("full_pcpus_only", "SMT Alignment Error: requested " + count
                        + " cpus not multiple cpus per core = " + t, FreeText.of(pool));
            }
            if (opt.fullPcpusOnly() && vcpuAlloc.capacity(pool) < count) {
                throw new PlanException("full_pcpus_only", "SMT Alignment Error: not enough free physical CPUs: "
                        + "available physical CPUs = " + vcpuAlloc.capacity(pool) + ", requested CPUs = " + count
                        + ", CPUs per core = " + t, FreeText.of(pool));
            }
            int need = vcpuAlloc.need(count, emu);
            int cap = vcpuAlloc.capacity(pool);
            if (cap < need || pool.size() < count + emu) {
                String constraint = opt.threadPolicy() == ThreadPolicy.PREFER ? "count"
                        : "thread_policy " + lower(opt.threadPolicy());
                throw new PlanException(constraint, count + " dedicated CPUs" + (emu > 0 ? " + " + emu
                        + " emulator CPUs" : "") + " need " + need + " " + vcpuAlloc.unit() + ", the host has "
                        + cap, FreeText.of(pool));
            }
        }

        /** No guest NUMA: the narrowest set of nodes (or sockets) that holds everything. */
        private Taken[] packOrSpread() {
            Topology.Groups level = opt.alignBySocket() ? topo.sockets() : topo.nodes();
            String unit = opt.alignBySocket() ? "socket" : "NUMA node";
            int[] must = affinity(level);
            // the emulator joins the vCPUs' nodes unless that takes more nodes than the vCPUs alone
            int need = vcpuAlloc.need(count, 0);
            int[] chosen = NodeChooser.choose(pool, vcpuAlloc, level, need, opt.numaStrategy(), must);
            int[] withEmulator = emu == 0 ? null
                    : NodeChooser.choose(pool, vcpuAlloc, level, vcpuAlloc.need(count, emu), opt.numaStrategy(), must);
            if (withEmulator != null && chosen != null && withEmulator.length <= chosen.length) {
                chosen = withEmulator;
                need = vcpuAlloc.need(count, emu);
            }
            if (chosen == null) {
                throw new PlanException("count", count + " CPUs do not fit on any set of " + unit + "s",
                        FreeText.of(pool));
            }
            CpuSet cpus = CpuSet.empty();
            List<String> names = new ArrayList<>();
            for (int g : chosen) {
                cpus = cpus.union(level.cpus().get(g));
                names.add(String.valueOf(level.ids().get(g)));
            }
            if (level.count() > 1) {
                why.add(new Decision(opt.alignBySocket() ? "align_by_socket" : "numa",
                        unit + (chosen.length > 1 ? "s " : " ") + String.join(",", names) + ": the fewest that hold "
                                + need + " " + vcpuAlloc.unit() + (chosen.length > 1 ? "" : "")
                                + ", " + lower(opt.numaStrategy()) + " picks the one with "
                                + (opt.numaStrategy() == PlanRequest.NumaStrategy.PACK ? "least" : "most")
                                + " room" + (must.length > 0 ? ", numa_affinity first" : "")));
            }
            Pool local = pool.restrict(cpus);
            Taken v = takeOrFail(vcpuAlloc, local, count, "count");
            pool.take(v.cpus().union(v.held()));
            Taken e = emulator(local);
            return new Taken[] {v, e};
        }

        private int[] affinity(Topology.Groups level) {
            if (opt.numaAffinity().isEmpty()) {
                return new int[0];
            }
            CpuSet cpus = topo.nodeCpus(opt.numaAffinity());
            List<Integer> out = new ArrayList<>();
            for (int g = 0; g < level.count(); g++) {
                if (!level.cpus().get(g).intersect(cpus).isEmpty()) {
                    out.add(g);
                }
            }
            if (out.isEmpty()) {
                throw new BadRequestException("numa_affinity " + opt.numaAffinity() + " names no NUMA node of the host");
            }
            if (vcpuAlloc.capacity(pool.restrict(cpus)) < vcpuAlloc.need(count, emu)) {
                why.add(new Decision("numa_affinity", "nodes " + opt.numaAffinity() + " hold only "
                        + vcpuAlloc.capacity(pool.restrict(cpus)) + " " + vcpuAlloc.unit() + ": more nodes added"));
            }
            return out.stream().mapToInt(Integer::intValue).toArray();
        }

        private Taken[] distribute() {
            int group = opt.cpuGroupSize() > 0 ? opt.cpuGroupSize() : opt.fullPcpusOnly() ? topo.threadsPerCore() : 1;
            if (count % group != 0) {
                why.add(new Decision("distribute_across_numa", count + " CPUs are not a multiple of cpu_group_size "
                        + group + ": packed instead"));
                return packOrSpread();
            }
            int[] split = Distributor.split(pool, vcpuAlloc, count, group);
            if (split == null) {
                why.add(new Decision("distribute_across_numa", "no even split in groups of " + group
                        + ": packed instead"));
                return packOrSpread();
            }
            Taken v = Taken.NONE;
            CpuSet used = CpuSet.empty();
            List<String> parts = new ArrayList<>();
            for (int g = 0; g < split.length; g++) {
                if (split[g] == 0) {
                    continue;
                }
                CpuSet nodeCpus = topo.nodes().cpus().get(g);
                Taken t = takeOrFail(vcpuAlloc, pool.restrict(nodeCpus), split[g], "distribute_across_numa");
                pool.take(t.cpus().union(t.held()));
                v = v.plus(t);
                used = used.union(nodeCpus);
                parts.add(split[g] + " on node " + FreeText.nodeName(topo, g));
            }
            why.add(new Decision("distribute_across_numa", String.join(", ", parts) + " (groups of " + group + ")"));
            return new Taken[] {v, emulator(pool.restrict(used))};
        }

        /** Guest cells, each on its own host node (Nova). The emulator goes with the first cell. */
        private Taken[] placeCells(Map<Integer, Integer> cellNodes, Map<Integer, CpuSet> cellCpus) {
            List<GuestCell> cells = req.guestNuma();
            int[] needs = new int[cells.size()];
            for (int i = 0; i < needs.length; i++) {
                needs[i] = vcpuAlloc.need(cells.get(i).dedicatedVcpus().size(), i == 0 ? emu : 0);
            }
            if (cells.size() > topo.nodes().count()) {
                throw new PlanException("guest_numa", cells.size() + " guest cells need as many host NUMA nodes, "
                        + "the host has " + topo.nodes().count(), FreeText.of(pool));
            }
            List<Integer> preferred = new ArrayList<>();
            for (int id : opt.numaAffinity().cpus()) {
                int g = topo.nodes().indexOfId(id);
                if (g >= 0) {
                    preferred.add(g);
                }
            }
            int[] placed = CellPlacer.place(pool, vcpuAlloc, needs, opt.numaStrategy(), preferred);
            if (placed == null) {
                throw new PlanException("guest_numa", "no host NUMA node per guest cell holds its "
                        + java.util.Arrays.toString(needs) + " " + vcpuAlloc.unit(), FreeText.of(pool));
            }
            Taken v = Taken.NONE;
            Taken e = Taken.NONE;
            for (int i = 0; i < cells.size(); i++) {
                GuestCell c = cells.get(i);
                int g = placed[i];
                Pool local = pool.restrict(topo.nodes().cpus().get(g));
                Taken t = takeOrFail(vcpuAlloc, local, c.dedicatedVcpus().size(), "guest_numa");
                pool.take(t.cpus().union(t.held()));
                v = v.plus(t);
                cellNodes.put(c.id(), topo.nodes().ids().get(g));
                cellCpus.put(c.id(), t.cpus());
                why.add(new Decision("guest_numa", "cell " + c.id() + " (" + c.dedicatedVcpus().size()
                        + " dedicated) on host node " + FreeText.nodeName(topo, g) + ": "
                        + lower(opt.numaStrategy()) + " tries " + (opt.numaStrategy() == PlanRequest.NumaStrategy.PACK
                                ? "fullest" : "emptiest") + " nodes first"));
                if (i == 0) {
                    e = emulator(local);
                }
            }
            return new Taken[] {v, e};
        }

        /** Emulator CPUs: from {@code near} (the VM's nodes) when they fit, else anywhere free. */
        private Taken emulator(Pool near) {
            if (emu == 0) {
                return Taken.NONE;
            }
            Pool local = near.restrict(pool.free());
            Pool from = emuAlloc.capacity(local) >= emu ? local : pool;
            if (from == pool) {
                why.add(new Decision("emulator_threads", "no room on the VM's nodes: emulator placed elsewhere"));
            }
            Taken e = takeOrFail(emuAlloc, from, emu, "emulator_threads");
            pool.take(e.cpus().union(e.held()));
            why.add(new Decision("emulator_threads", "isolate: emulator and iothreads on " + e.cpus()
                    + ", apart from the vCPUs"));
            return e;
        }

        private Taken takeOrFail(Allocator a, Pool from, int n, String constraint) {
            Taken t = a.take(from, n, why);
            if (t == null) {
                throw new PlanException(constraint, "cannot take " + n + " " + a.unit() + " there",
                        FreeText.of(from));
            }
            return t;
        }

        /** vCPUs in order onto CPUs ordered core by core, so guest vCPU neighbours are host siblings. */
        private void pin(CpuSet vcpus, CpuSet cpus, Map<Integer, Integer> pinning) {
            List<Integer> order = new ArrayList<>();
            for (int c : cpus.cpus()) {
                order.add(c);
            }
            order.sort(java.util.Comparator.<Integer>comparingInt(c -> topo.nodes().of(c))
                    .thenComparingInt(c -> topo.sockets().of(c)).thenComparingInt(c -> topo.cores().of(c))
                    .thenComparingInt(c -> c));
            int[] v = vcpus.cpus();
            for (int i = 0; i < v.length; i++) {
                pinning.put(v[i], order.get(i));
            }
        }

        private CpuSet sharedCpus(CpuSet mine) {
            if (req.dedicatedVcpus().size() == req.vcpus()) {
                return CpuSet.empty();
            }
            if (!ledger.shared().isEmpty()) {
                why.add(new Decision("cpu_policy", "shared vCPUs float on the shared CPUs " + ledger.shared()));
                return ledger.shared();
            }
            CpuSet rest = pool.free();
            if (rest.isEmpty()) {
                throw new PlanException("shared", "no shared CPUs are set and none are left to float on",
                        FreeText.of(pool));
            }
            why.add(new Decision("cpu_policy", "no shared CPUs set: shared vCPUs float on the CPUs still free ("
                    + rest + ")"));
            return rest;
        }

        private CpuSet emulatorPin(CpuSet emulatorCpus, CpuSet vcpus, CpuSet shared) {
            if (!emulatorCpus.isEmpty()) {
                return emulatorCpus;
            }
            if (!ledger.shared().isEmpty()) {
                why.add(new Decision("emulator_threads", "share: emulator on the shared CPUs " + ledger.shared()));
                return ledger.shared();
            }
            CpuSet all = vcpus.union(shared);
            why.add(new Decision("emulator_threads", "share: emulator floats over the VM's own CPUs " + all));
            return all;
        }

        private static String lower(Enum<?> e) {
            return e.name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
