package io.qtune.plan;

import io.qtune.host.cpu.CpuSet;

/** What one allocation took: the CPUs handed out and the SMT siblings it keeps idle. */
record Taken(CpuSet cpus, CpuSet held) {
    static final Taken NONE = new Taken(CpuSet.empty(), CpuSet.empty());

    Taken plus(Taken o) {
        return new Taken(cpus.union(o.cpus), held.union(o.held));
    }
}
