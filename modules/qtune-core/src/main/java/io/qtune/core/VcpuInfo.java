package io.qtune.core;

import io.qtune.host.cpu.CpuSet;

/**
 * virsh vcpuinfo's block for one online vCPU (unplugged slots are not listed, as in virsh).
 *
 * @param tid the host thread, 0 when QEMU has none of its own for it (single-threaded TCG)
 * @param cpu the host CPU it last ran on, -1 when unknown
 * @param state "running", "sleeping", ... from /proc
 */
public record VcpuInfo(int vcpu, int tid, int cpu, String state, long cpuTimeNs, CpuSet affinity) {}
