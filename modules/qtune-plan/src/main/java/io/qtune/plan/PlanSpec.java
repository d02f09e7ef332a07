package io.qtune.plan;

import io.qtune.host.cpu.CpuSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plan as qtune's spec fields (libvirt's {@code <cputune>} names: vcpupin, emulatorpin,
 * iothreadpin, numatune, vcpusched), so it can be saved as a spec file, and as text for people.
 */
public final class PlanSpec {
    private PlanSpec() {
    }

    /** The spec fields, in the order a spec file has them. */
    public static Map<String, Object> fields(Plan plan, PlanRequest request) {
        Map<String, Object> spec = new LinkedHashMap<>();
        if (request.iothreads() > 0) {
            List<Object> ids = new ArrayList<>();
            for (int i = 1; i <= request.iothreads(); i++) {
                ids.add(Map.of("id", i));
            }
            spec.put("iothreads", ids);
        }
        List<Object> pins = new ArrayList<>();
        for (int v = 0; v < request.vcpus(); v++) {
            CpuSet where = vcpuCpus(plan, v);
            if (!where.isEmpty()) {
                pins.add(ordered("vcpu", v, "cpuset", where.toList()));
            }
        }
        spec.put("vcpupin", pins);
        spec.put("emulatorpin", plan.emulatorPin().toList());
        if (request.iothreads() > 0) {
            List<Object> io = new ArrayList<>();
            for (int i = 1; i <= request.iothreads(); i++) {
                io.add(ordered("iothread", i, "cpuset", plan.emulatorPin().toList()));
            }
            spec.put("iothreadpin", io);
        }
        if (!plan.hostNodes().isEmpty()) {
            spec.put("numatune", ordered("mode", "strict", "nodeset", plan.hostNodes().toList()));
        }
        if (!plan.realtimeVcpus().isEmpty()) {
            Map<String, Object> s = ordered("vcpus", plan.realtimeVcpus().toList(), "scheduler", "fifo");
            s.put("priority", 1); // Nova's [libvirt] realtime_scheduler_priority default
            spec.put("vcpusched", List.of(s));
        }
        return spec;
    }

    /** Where vCPU {@code v} runs: its dedicated CPU, else the shared CPUs. */
    public static CpuSet vcpuCpus(Plan plan, int v) {
        Integer cpu = plan.pinning().get(v);
        return cpu != null ? CpuSet.of(cpu) : plan.sharedCpus();
    }

    /** The plan for people: the spec fields, then why. */
    public static String text(Plan plan, PlanRequest request) {
        StringBuilder sb = new StringBuilder();
        for (int v = 0; v < request.vcpus(); v++) {
            CpuSet where = vcpuCpus(plan, v);
            if (!where.isEmpty()) {
                line(sb, "vcpupin", v + " " + where + (plan.pinning().containsKey(v) ? "" : "  (shared)"));
            }
        }
        line(sb, "emulatorpin", plan.emulatorPin().toList());
        for (int i = 1; i <= request.iothreads(); i++) {
            line(sb, "iothreadpin", i + " " + plan.emulatorPin());
        }
        if (!plan.hostNodes().isEmpty()) {
            line(sb, "numatune", "strict " + plan.hostNodes());
        }
        if (!plan.realtimeVcpus().isEmpty()) {
            line(sb, "vcpusched", plan.realtimeVcpus() + " fifo 1");
        }
        plan.guestNuma().forEach((cell, node) -> line(sb, "guest cell", cell + " on host node " + node));
        if (!plan.held().isEmpty()) {
            line(sb, "kept idle", plan.held().toList());
        }
        sb.append("why:\n");
        for (Decision d : plan.decisions()) {
            sb.append("  ").append(d).append('\n');
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String key, String value) {
        sb.append(String.format("%-13s %s%n", key, value));
    }

    private static Map<String, Object> ordered(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }
}
