package io.qtune.plan;

import java.util.List;

/**
 * Takes {@code n} CPUs from a pool under one thread policy, or reports that it cannot. Also says
 * how much a pool can hold in its own unit, so node choice and allocation agree.
 */
interface Allocator {
    /** Takes {@code n} CPUs out of {@code pool}; null (pool unchanged) when it cannot. */
    Taken take(Pool pool, int n, List<Decision> why);

    /** How many CPUs {@code pool} can give under this policy (the most {@link #take} can succeed with). */
    int capacity(Pool pool);

    /** Capacity needed for {@code vcpus} dedicated CPUs plus {@code emulator} CPUs placed apart. */
    int need(int vcpus, int emulator);

    /** What a pool can give, in words, for error messages. */
    String unit();
}
