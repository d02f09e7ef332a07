package io.qtune.core;

import io.qtune.host.cpu.CpuSet;

/**
 * virsh vcpuinfo's block for one vCPU.
 *
 * @param cpu the host CPU it last ran on, -1 when unknown (offline vCPU)
 * @param state "running", "sleeping", ... from /proc, or "offline" for an unplugged slot
 */
public record VcpuInfo(int vcpu, int tid, int cpu, String state, long cpuTimeNs, CpuSet affinity) {}
