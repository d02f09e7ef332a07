package io.qtune.core.spec;

import io.qtune.host.cpu.CpuSet;
import java.util.Set;

/** What validation needs to know about the host: its CPUs, NUMA nodes and cgroup flavour. */
public record HostFacts(CpuSet onlineCpus, int maxCpus, Set<Integer> numaNodes, boolean cgroupV2) {}
