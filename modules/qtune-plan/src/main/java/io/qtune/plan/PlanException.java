package io.qtune.plan;

/**
 * The request is valid but this host cannot satisfy it now.
 *
 * @see #constraint() the constraint that cannot be met (an option name, or {@code count})
 * @see #free() what is free, in words
 */
public final class PlanException extends RuntimeException {
    private final String constraint;
    private final String free;

    public PlanException(String constraint, String why, String free) {
        super(constraint + ": " + why + "; free: " + free);
        this.constraint = constraint;
        this.free = free;
    }

    public String constraint() {
        return constraint;
    }

    public String free() {
        return free;
    }
}
