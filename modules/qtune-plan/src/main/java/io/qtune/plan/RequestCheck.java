package io.qtune.plan;

import io.qtune.host.cpu.CpuSet;
import io.qtune.plan.PlanRequest.CpuPolicy;
import io.qtune.plan.PlanRequest.EmulatorPolicy;
import io.qtune.plan.PlanRequest.GuestCell;
import io.qtune.plan.PlanRequest.Options;
import io.qtune.plan.PlanRequest.ThreadPolicy;
import java.util.HashSet;
import java.util.Set;

/** Refuses requests that contradict themselves, whatever the host (Nova's flavor checks). */
final class RequestCheck {
    private RequestCheck() {
    }

    static void check(PlanRequest r) {
        if (r.vcpus() < 1) {
            throw new BadRequestException("vcpus " + r.vcpus() + " must be at least 1");
        }
        CpuSet all = CpuSet.range(0, r.vcpus() - 1);
        if (!r.dedicatedVcpus().isSubsetOf(all)) {
            throw new BadRequestException("dedicated vCPUs " + r.dedicatedVcpus() + " are not all below " + r.vcpus());
        }
        switch (r.cpuPolicy()) {
            case DEDICATED -> {
                if (!r.dedicatedVcpus().equals(all)) {
                    throw new BadRequestException("cpu_policy dedicated: every vCPU is dedicated, the mask "
                            + r.dedicatedVcpus() + " leaves some out (use mixed)");
                }
            }
            case SHARED -> {
                if (!r.dedicatedVcpus().isEmpty()) {
                    throw new BadRequestException("cpu_policy shared has no dedicated vCPUs, got " + r.dedicatedVcpus());
                }
            }
            case MIXED -> {
                if (r.dedicatedVcpus().isEmpty() || r.dedicatedVcpus().equals(all)) {
                    throw new BadRequestException("cpu_policy mixed needs at least one dedicated and one shared vCPU,"
                            + " dedicated mask is '" + r.dedicatedVcpus() + "' of " + r.vcpus() + " vCPUs");
                }
            }
            default -> throw new IllegalStateException();
        }
        if (!r.realtimeVcpus().isEmpty()) {
            if (!r.realtimeVcpus().isSubsetOf(r.dedicatedVcpus())) {
                throw new BadRequestException("realtime vCPUs " + r.realtimeVcpus() + " must be dedicated ("
                        + r.dedicatedVcpus() + ")");
            }
            if (r.realtimeVcpus().equals(all)) {
                // Nova: at least one vCPU stays non-realtime and keeps the emulator company
                throw new BadRequestException("realtime mask " + r.realtimeVcpus()
                        + " covers every vCPU: at least one vCPU must stay non-realtime");
            }
        }
        options(r.options(), r.cpuPolicy());
        cells(r, all);
    }

    private static void options(Options o, CpuPolicy policy) {
        if (o.emulatorThreads() == EmulatorPolicy.ISOLATE && o.emulatorCpuCount() < 1) {
            throw new BadRequestException("emulator_cpu_count " + o.emulatorCpuCount() + " must be at least 1");
        }
        if (o.cpuGroupSize() < 0) {
            throw new BadRequestException("cpu_group_size " + o.cpuGroupSize() + " must not be negative");
        }
        if (o.fullPcpusOnly() && o.distributeAcrossCores()) {
            // the kubelet refuses this pair: one wants whole cores, the other one thread per core
            throw new BadRequestException("full_pcpus_only and distribute_across_cores exclude each other");
        }
        if (o.distributeAcrossCores() && o.threadPolicy() != ThreadPolicy.PREFER) {
            throw new BadRequestException("distribute_across_cores works with thread_policy prefer only");
        }
        if (policy == CpuPolicy.SHARED && o.threadPolicy() != ThreadPolicy.PREFER) {
            throw new BadRequestException("thread_policy applies to dedicated CPUs; cpu_policy shared has none");
        }
    }

    private static void cells(PlanRequest r, CpuSet all) {
        if (r.guestNuma().isEmpty()) {
            return;
        }
        Set<Integer> ids = new HashSet<>();
        CpuSet seen = CpuSet.empty();
        CpuSet dedicated = CpuSet.empty();
        for (GuestCell c : r.guestNuma()) {
            if (!ids.add(c.id())) {
                throw new BadRequestException("guest_numa cell id " + c.id() + " appears twice");
            }
            CpuSet mine = c.dedicatedVcpus().union(c.sharedVcpus());
            if (!seen.intersect(mine).isEmpty() || !c.dedicatedVcpus().intersect(c.sharedVcpus()).isEmpty()) {
                throw new BadRequestException("guest_numa cell " + c.id() + ": vCPUs "
                        + seen.intersect(mine).union(c.dedicatedVcpus().intersect(c.sharedVcpus()))
                        + " are listed twice");
            }
            if (mine.isEmpty()) {
                throw new BadRequestException("guest_numa cell " + c.id() + " has no vCPUs");
            }
            seen = seen.union(mine);
            dedicated = dedicated.union(c.dedicatedVcpus());
        }
        if (!seen.equals(all)) {
            throw new BadRequestException("guest_numa cells hold vCPUs " + seen + ", the guest has " + all);
        }
        if (!dedicated.equals(r.dedicatedVcpus())) {
            throw new BadRequestException("guest_numa cells dedicate vCPUs " + dedicated + ", the request "
                    + r.dedicatedVcpus());
        }
    }
}
