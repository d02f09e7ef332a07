package io.qtune.core;

import io.qtune.host.cpu.CpuSet;

/**
 * Where one QEMU thread is: the {@code ps -eLo} view with roles.
 *
 * @param role {@code vcpuN}, {@code iothreadN} or {@code emulator}
 * @param group its cgroup (cpuset hierarchy on v1, the unified path on v2), relative to the mount
 */
public record ThreadPlacement(int tid, String comm, String role, String group, CpuSet affinity,
    int lastCpu, long cpuTimeNs, char state) {}
