package io.qtune.core;

import io.qtune.host.cpu.CpuSet;

/** virsh iothreadinfo's row: id, thread, affinity, plus QEMU's poll settings. */
public record IothreadInfo(int id, int tid, CpuSet affinity, long pollMaxNs, long pollGrow,
    long pollShrink) {}
