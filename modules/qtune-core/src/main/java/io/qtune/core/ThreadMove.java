package io.qtune.core;

import io.qtune.host.cpu.CpuSet;

/**
 * A thread reconcile put back where its role says: a worker that inherited a vCPU's group and
 * affinity from the thread that spawned it, or one moved behind qtune's back.
 *
 * @param role {@code vcpuN}, {@code iothreadN} or {@code emulator}: the group it belongs in
 * @param fromGroup its group before (cpuset hierarchy on v1, unified path on v2)
 * @param toGroup its role's group; equal to {@code fromGroup} when only the affinity was wrong
 */
public record ThreadMove(int tid, String comm, String role, String fromGroup, String toGroup,
    CpuSet fromAffinity, CpuSet toAffinity) {}
