package io.qtune.qmp.model;

/**
 * One {@code query-cpus-fast} entry.
 *
 * @param threadId host TID of the vCPU thread (what affinity and cgroups act on)
 * @param props guest topology position; may be {@code null}
 * @param target QEMU target, e.g. {@code x86_64}
 */
public record CpuInfoFast(int cpuIndex, String qomPath, long threadId, CpuInstanceProperties props,
    String target) {
}
