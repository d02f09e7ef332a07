package io.qtune.core;

/**
 * virsh schedinfo's values, read back from the kernel: the domain group (shares or weight,
 * global), vcpu0 (vcpu_*), the emulator group and the first iothread group. Quota -1 means
 * unlimited; a null level has no group to read (no iothreads, say).
 */
public record SchedInfo(boolean cgroupV2, long cpuShares, Long vcpuPeriod, Long vcpuQuota,
    Long emulatorPeriod, Long emulatorQuota, long globalPeriod, long globalQuota,
    Long iothreadPeriod, Long iothreadQuota) {}
