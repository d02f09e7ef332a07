package io.qtune.plan;

import io.qtune.host.cpu.CpuSet;
import java.util.List;
import java.util.Locale;

/**
 * What the operator asks for, in Nova's and the Kubernetes CPU manager's words.
 *
 * @param vcpus the guest's vCPUs (0..vcpus-1)
 * @param dedicatedVcpus the vCPUs that get a host CPU of their own: all of them under
 *        {@code dedicated}, Nova's {@code hw:cpu_dedicated_mask} under {@code mixed}, none under
 *        {@code shared}
 * @param realtimeVcpus vCPUs that run SCHED_FIFO (Nova's {@code hw:cpu_realtime_mask}); they must be
 *        dedicated and at least one vCPU must stay non-realtime
 * @param guestNuma guest NUMA cells, each placed on one host node; empty: no guest NUMA topology
 * @param iothreads iothreads to pin with the emulator
 */
public record PlanRequest(int vcpus, CpuPolicy cpuPolicy, CpuSet dedicatedVcpus, CpuSet realtimeVcpus,
        List<GuestCell> guestNuma, int iothreads, Options options) {

    public PlanRequest {
        dedicatedVcpus = dedicatedVcpus == null ? CpuSet.empty() : dedicatedVcpus;
        realtimeVcpus = realtimeVcpus == null ? CpuSet.empty() : realtimeVcpus;
        guestNuma = guestNuma == null ? List.of() : List.copyOf(guestNuma);
        options = options == null ? Options.defaults() : options;
        cpuPolicy = cpuPolicy == null ? CpuPolicy.DEDICATED : cpuPolicy;
    }

    /** {@code n} dedicated vCPUs with default options. */
    public static PlanRequest dedicated(int n, Options options) {
        return new PlanRequest(n, CpuPolicy.DEDICATED, n == 0 ? CpuSet.empty() : CpuSet.range(0, n - 1),
                CpuSet.empty(), List.of(), 0, options);
    }

    /** Host CPUs the vCPUs need for themselves (the machine interface's {@code count}). */
    public int count() {
        return dedicatedVcpus.size();
    }

    /** Nova's {@code hw:cpu_policy}. */
    public enum CpuPolicy {
        DEDICATED, SHARED, MIXED;

        public static CpuPolicy parse(String s) {
            return Names.parse(CpuPolicy.class, "cpu_policy", s);
        }
    }

    /** Nova's {@code hw:cpu_thread_policy}. */
    public enum ThreadPolicy {
        PREFER, ISOLATE, REQUIRE;

        public static ThreadPolicy parse(String s) {
            return Names.parse(ThreadPolicy.class, "thread_policy", s);
        }
    }

    /** Nova's {@code hw:emulator_threads_policy}. */
    public enum EmulatorPolicy {
        SHARE, ISOLATE;

        public static EmulatorPolicy parse(String s) {
            return Names.parse(EmulatorPolicy.class, "emulator_threads", s);
        }
    }

    /** Host NUMA cell order: Nova's {@code packing_host_numa_cells_allocation_strategy}. */
    public enum NumaStrategy {
        PACK, SPREAD;

        public static NumaStrategy parse(String s) {
            return Names.parse(NumaStrategy.class, "numa_strategy", s);
        }
    }

    /**
     * A guest NUMA cell.
     *
     * @param dedicatedVcpus its vCPUs with a host CPU of their own
     * @param sharedVcpus its vCPUs that float on the shared CPUs
     */
    public record GuestCell(int id, CpuSet dedicatedVcpus, CpuSet sharedVcpus) {
        public GuestCell {
            dedicatedVcpus = dedicatedVcpus == null ? CpuSet.empty() : dedicatedVcpus;
            sharedVcpus = sharedVcpus == null ? CpuSet.empty() : sharedVcpus;
        }
    }

    /**
     * The knobs. Kubernetes static policy options keep their meaning: {@code fullPcpusOnly}
     * (full-pcpus-only), {@code distributeAcrossNuma} with {@code cpuGroupSize}
     * (distribute-cpus-across-numa), {@code distributeAcrossCores} (distribute-cpus-across-cores),
     * {@code alignBySocket} (align-by-socket), {@code preferAlignUncoreCache}
     * (prefer-align-cpus-by-uncorecache), {@code numaAffinity} (a topology manager hint: node ids to
     * take from first; empty: none).
     *
     * @param cpuGroupSize 0: the default (threads per core with full_pcpus_only, else 1)
     */
    public record Options(ThreadPolicy threadPolicy, EmulatorPolicy emulatorThreads, int emulatorCpuCount,
            NumaStrategy numaStrategy, boolean fullPcpusOnly, boolean distributeAcrossNuma, int cpuGroupSize,
            boolean distributeAcrossCores, boolean preferAlignUncoreCache, CpuSet numaAffinity, boolean alignBySocket) {

        public Options {
            threadPolicy = threadPolicy == null ? ThreadPolicy.PREFER : threadPolicy;
            emulatorThreads = emulatorThreads == null ? EmulatorPolicy.SHARE : emulatorThreads;
            numaStrategy = numaStrategy == null ? NumaStrategy.PACK : numaStrategy;
            numaAffinity = numaAffinity == null ? CpuSet.empty() : numaAffinity;
        }

        public static Options defaults() {
            return new Options(null, null, 1, null, false, false, 0, false, false, null, false);
        }

        public Options withThreadPolicy(ThreadPolicy p) {
            return new Options(p, emulatorThreads, emulatorCpuCount, numaStrategy, fullPcpusOnly, distributeAcrossNuma,
                    cpuGroupSize, distributeAcrossCores, preferAlignUncoreCache, numaAffinity, alignBySocket);
        }

        public Options withEmulator(EmulatorPolicy p, int count) {
            return new Options(threadPolicy, p, count, numaStrategy, fullPcpusOnly, distributeAcrossNuma,
                    cpuGroupSize, distributeAcrossCores, preferAlignUncoreCache, numaAffinity, alignBySocket);
        }

        /** Emulator CPUs to set aside: {@code emulatorCpuCount} under isolate, else none. */
        public int emulatorCpus() {
            return emulatorThreads == EmulatorPolicy.ISOLATE ? emulatorCpuCount : 0;
        }
    }

    /** Lower-case option values, parsed with an error that lists the accepted ones. */
    static final class Names {
        private Names() {
        }

        static <E extends Enum<E>> E parse(Class<E> type, String option, String s) {
            for (E e : type.getEnumConstants()) {
                if (e.name().toLowerCase(Locale.ROOT).equals(s)) {
                    return e;
                }
            }
            StringBuilder ok = new StringBuilder();
            for (E e : type.getEnumConstants()) {
                ok.append(ok.length() == 0 ? "" : "|").append(e.name().toLowerCase(Locale.ROOT));
            }
            throw new BadRequestException(option + " '" + s + "' is not one of " + ok);
        }
    }
}
