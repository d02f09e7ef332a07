package io.qtune.plan.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.qtune.host.cpu.CpuSet;
import io.qtune.plan.BadRequestException;
import io.qtune.plan.Cpu;
import io.qtune.plan.Ledger;
import io.qtune.plan.PlanRequest;
import io.qtune.plan.PlanRequest.CpuPolicy;
import io.qtune.plan.PlanRequest.EmulatorPolicy;
import io.qtune.plan.PlanRequest.GuestCell;
import io.qtune.plan.PlanRequest.NumaStrategy;
import io.qtune.plan.PlanRequest.Options;
import io.qtune.plan.PlanRequest.ThreadPolicy;
import io.qtune.plan.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The machine interface's request (docs/planner.md): topology, available, reserved, shared,
 * count, steps/step, guest_numa, options. Unknown fields are refused by name.
 *
 * @param priorSteps allocations to place before this one (steps before {@code step}), each of
 *        which sees less available
 */
public record RequestJson(Topology topology, Ledger ledger, PlanRequest request, List<Integer> priorSteps,
        boolean guestNuma) {

    private static final Set<String> ROOT = Set.of("topology", "available", "reserved", "shared", "count", "steps",
            "step", "guest_numa", "options");
    private static final Set<String> CPU = Set.of("cpu", "core", "socket", "numa", "uncore");
    private static final Set<String> CELL = Set.of("id", "dedicated_vcpus", "shared_vcpus");
    private static final Set<String> OPTIONS = Set.of("cpu_policy", "thread_policy", "emulator_threads",
            "emulator_cpu_count", "numa_strategy", "full_pcpus_only", "distribute_across_numa", "cpu_group_size",
            "distribute_across_cores", "prefer_align_uncore_cache", "numa_affinity", "align_by_socket");

    /** Parses one request. {@code count} 0 gives a null request: nothing to place. */
    public static RequestJson parse(JsonNode root) {
        Fields.only(root, "the request", ROOT);
        Topology topo = topology(Fields.required(root, "topology", "the request"));
        CpuSet available = Fields.set(root, "available");
        Fields.required(root, "available", "the request");
        if (!available.isSubsetOf(topo.all())) {
            throw new BadRequestException("available CPUs " + available.minus(topo.all()) + " are not in the topology");
        }
        int count = Fields.integer(Fields.required(root, "count", "the request"), "count");
        if (count < 0) {
            throw new BadRequestException("count " + count + " must not be negative");
        }
        Ledger ledger = Ledger.fromAvailable(topo, available, Fields.set(root, "reserved"), Fields.set(root, "shared"));
        JsonNode o = root.get("options");
        if (o != null && !o.isNull()) {
            Fields.only(o, "options", OPTIONS);
        } else {
            o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
        Options options = options(o);
        List<GuestCell> cells = cells(root.get("guest_numa"));
        List<Integer> prior = steps(root, count);
        String policyText = Fields.text(o, "cpu_policy");
        CpuPolicy policy = policyText == null ? null : CpuPolicy.parse(policyText);
        PlanRequest req = count == 0 && cells.isEmpty() ? null : request(count, policy, cells, options);
        return new RequestJson(topo, ledger, req, prior, !cells.isEmpty());
    }

    private static Topology topology(JsonNode t) {
        Fields.only(t, "topology", Set.of("cpus"));
        JsonNode cpus = Fields.required(t, "cpus", "topology");
        if (!cpus.isArray()) {
            throw new BadRequestException("topology.cpus must be a list");
        }
        List<Cpu> out = new ArrayList<>();
        for (JsonNode c : cpus) {
            Fields.only(c, "topology.cpus[" + out.size() + "]", CPU);
            int cpu = Fields.integer(Fields.required(c, "cpu", "topology.cpus[" + out.size() + "]"), "cpu");
            String where = "cpu " + cpu;
            try {
                out.add(new Cpu(cpu, Fields.nullableInt(c, "core", where), Fields.nullableInt(c, "socket", where),
                        Fields.nullableInt(c, "numa", where), Fields.nullableInt(c, "uncore", where)));
            } catch (IllegalArgumentException e) {
                throw new BadRequestException(e.getMessage());
            }
        }
        try {
            return new Topology(out);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(e.getMessage());
        }
    }

    private static Options options(JsonNode o) {
        String tp = Fields.text(o, "thread_policy");
        String et = Fields.text(o, "emulator_threads");
        String ns = Fields.text(o, "numa_strategy");
        return new Options(tp == null ? null : ThreadPolicy.parse(tp), et == null ? null : EmulatorPolicy.parse(et),
                Fields.integer(o, "emulator_cpu_count", 1), ns == null ? null : NumaStrategy.parse(ns),
                Fields.bool(o, "full_pcpus_only"), Fields.bool(o, "distribute_across_numa"),
                Fields.integer(o, "cpu_group_size", 0), Fields.bool(o, "distribute_across_cores"),
                Fields.bool(o, "prefer_align_uncore_cache"), Fields.set(o, "numa_affinity"),
                Fields.bool(o, "align_by_socket"));
    }

    private static List<GuestCell> cells(JsonNode g) {
        List<GuestCell> out = new ArrayList<>();
        if (g == null || g.isNull()) {
            return out;
        }
        if (!g.isArray()) {
            throw new BadRequestException("guest_numa must be a list of cells");
        }
        for (JsonNode c : g) {
            String where = "guest_numa[" + out.size() + "]";
            Fields.only(c, where, CELL);
            out.add(new GuestCell(Fields.integer(Fields.required(c, "id", where), where + ".id"),
                    Fields.set(c, "dedicated_vcpus"), Fields.set(c, "shared_vcpus")));
        }
        return out;
    }

    private static List<Integer> steps(JsonNode root, int count) {
        JsonNode s = root.get("steps");
        int step = Fields.integer(root, "step", 0);
        if (s == null || s.isNull()) {
            if (step != 0) {
                throw new BadRequestException("step " + step + " given without steps");
            }
            return List.of();
        }
        List<Integer> steps = Fields.ints(s, "steps");
        if (step < 0 || step >= steps.size()) {
            throw new BadRequestException("step " + step + " is not an index of steps " + steps);
        }
        if (steps.get(step) != count) {
            throw new BadRequestException("count " + count + " differs from steps[" + step + "] = " + steps.get(step));
        }
        return List.copyOf(steps.subList(0, step));
    }

    private static PlanRequest request(int count, CpuPolicy policy, List<GuestCell> cells, Options options) {
        if (cells.isEmpty()) {
            // without guest cells the shared part of a mixed guest needs nothing from available
            return PlanRequest.dedicated(count, options);
        }
        CpuSet dedicated = CpuSet.empty();
        CpuSet all = CpuSet.empty();
        for (GuestCell c : cells) {
            dedicated = dedicated.union(c.dedicatedVcpus());
            all = all.union(c.dedicatedVcpus()).union(c.sharedVcpus());
        }
        if (dedicated.size() != count) {
            throw new BadRequestException("count " + count + " differs from the " + dedicated.size()
                    + " dedicated vCPUs of guest_numa");
        }
        CpuPolicy p = policy != null ? policy : dedicated.equals(all) ? CpuPolicy.DEDICATED : CpuPolicy.MIXED;
        return new PlanRequest(all.last() + 1, p, dedicated, CpuSet.empty(), cells, 0, options);
    }
}
