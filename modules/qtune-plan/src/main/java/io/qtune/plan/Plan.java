package io.qtune.plan;

import io.qtune.host.cpu.CpuSet;
import java.util.List;
import java.util.Map;

/**
 * Where a VM goes.
 *
 * @param cpus the dedicated host CPUs of the dedicated vCPUs (exactly {@link PlanRequest#count()})
 * @param pinning dedicated vCPU to host CPU
 * @param sharedCpus where the shared (floating) vCPUs run; empty when there are none
 * @param emulatorCpus the emulator's (and iothreads') own CPUs under emulator_threads isolate,
 *        else empty
 * @param emulatorPin where emulator and iothreads run: the emulator CPUs, else the shared CPUs,
 *        else the VM's dedicated CPUs
 * @param held SMT siblings kept idle so no other VM shares a core with this one (isolate/require)
 * @param guestNuma guest cell id to host node id
 * @param hostNodes the host NUMA nodes the VM's CPUs are on (its memory binding)
 * @param decisions why, one line per decision
 */
public record Plan(CpuSet cpus, Map<Integer, Integer> pinning, CpuSet sharedCpus, CpuSet emulatorCpus,
        CpuSet emulatorPin, CpuSet held, Map<Integer, Integer> guestNuma, CpuSet hostNodes, CpuSet realtimeVcpus,
        List<Decision> decisions) {
    public Plan {
        // sorted, so printing a plan twice prints the same text
        pinning = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(pinning));
        guestNuma = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(guestNuma));
        decisions = List.copyOf(decisions);
    }

    /** Every CPU this plan takes out of the free pool. */
    public CpuSet claimed() {
        return cpus.union(emulatorCpus).union(held);
    }
}
