package io.qtune.plan;

import io.qtune.host.cpu.CpuSet;

/**
 * Who holds which CPUs before this plan: the host's own (reserved) and other VMs' (taken,
 * including the idle siblings they hold under isolate/require). The kernel is the ledger; this
 * record is what was read from it.
 *
 * @param reserved CPUs the host keeps for itself (housekeeping, isolcpus complement, ...)
 * @param taken CPUs other VMs hold
 * @param shared CPUs for floating (shared) vCPUs and a shared emulator: Nova's cpu_shared_set
 * @param unavailable CPUs in the topology that cannot be handed out for any other reason
 *        (offline, isolated away from the planner)
 */
public record Ledger(CpuSet reserved, CpuSet taken, CpuSet shared, CpuSet unavailable) {
    public Ledger {
        reserved = reserved == null ? CpuSet.empty() : reserved;
        taken = taken == null ? CpuSet.empty() : taken;
        shared = shared == null ? CpuSet.empty() : shared;
        unavailable = unavailable == null ? CpuSet.empty() : unavailable;
    }

    public static Ledger empty() {
        return new Ledger(CpuSet.empty(), CpuSet.empty(), CpuSet.empty(), CpuSet.empty());
    }

    /**
     * The ledger of a request that names the available CPUs (the machine interface): available is
     * authoritative; what is neither available nor reserved counts as unavailable.
     */
    public static Ledger fromAvailable(Topology topology, CpuSet available, CpuSet reserved, CpuSet shared) {
        CpuSet res = reserved == null ? CpuSet.empty() : reserved.minus(available);
        CpuSet sh = shared == null ? CpuSet.empty() : shared.minus(available);
        return new Ledger(res, CpuSet.empty(), sh, topology.all().minus(available).minus(res).minus(sh));
    }

    /** CPUs the planner may hand out as dedicated. */
    public CpuSet available(Topology topology) {
        return topology.all().minus(reserved).minus(taken).minus(unavailable).minus(shared);
    }

    /** This ledger after {@code plan} was placed: its dedicated, emulator and held CPUs are taken. */
    public Ledger after(Plan plan) {
        return new Ledger(reserved, taken.union(plan.cpus()).union(plan.emulatorCpus()).union(plan.held()), shared,
                unavailable);
    }
}
