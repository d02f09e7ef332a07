package io.qtune.core;

import io.qtune.host.cpu.CpuSet;

/**
 * Where one QEMU thread is, and where its role says it should be: the {@code ps -eLo} view with
 * roles.
 *
 * @param role {@code vcpuN}, {@code iothreadN} or {@code emulator}
 * @param group its cgroup (cpuset hierarchy on v1, the unified path on v2), relative to the mount
 * @param wantGroup its role's group; null while qtune has not placed the VM
 * @param wantAffinity its role's affinity; null while qtune has not placed the VM
 * @param stray whether it is outside its role's group (in any of qtune's hierarchies) or runs
 *     with another affinity: what {@link Vm#reconcile()} moves
 */
public record ThreadPlacement(int tid, String comm, String role, String group, CpuSet affinity,
    int lastCpu, long cpuTimeNs, char state, String wantGroup, CpuSet wantAffinity, boolean stray) {}
