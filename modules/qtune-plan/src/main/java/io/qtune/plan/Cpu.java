package io.qtune.plan;

/**
 * One logical CPU of the plain topology model. Any of {@code core}, {@code socket}, {@code numa},
 * {@code uncore} may be null: unknown. An unknown core is a core of its own (no SMT known), an
 * unknown socket or NUMA node is one "unknown" group, an unknown uncore cache is never aligned to.
 *
 * @param core core id; two CPUs are SMT siblings when socket and core are equal
 * @param uncore the last-level (uncore) cache id, unique on the host
 */
public record Cpu(int cpu, Integer core, Integer socket, Integer numa, Integer uncore) {
    public Cpu {
        if (cpu < 0) {
            throw new IllegalArgumentException("cpu " + cpu + " must not be negative");
        }
    }
}
