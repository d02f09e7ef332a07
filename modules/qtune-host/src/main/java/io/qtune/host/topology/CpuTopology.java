package io.qtune.host.topology;

import io.qtune.host.cpu.CpuSet;

/**
 * Where one logical CPU sits. Offline CPUs have no topology in sysfs: their ids are -1 and
 * their sibling set is empty.
 *
 * @param threadSiblings the logical CPUs sharing this CPU's core (itself included)
 */
public record CpuTopology(int cpu, boolean online, int packageId, int dieId, int coreId, CpuSet threadSiblings) {
}
