package io.qtune.host.topology;

import io.qtune.host.cpu.CpuSet;

/** A NUMA node: its CPUs and its memory ({@code MemTotal} of the node's meminfo). */
public record NumaNode(int id, CpuSet cpus, long memTotalKb) {
}
