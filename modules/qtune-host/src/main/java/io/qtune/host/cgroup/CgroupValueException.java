package io.qtune.host.cgroup;

/** A tunable value outside the range libvirt (and the kernel) accept. Nothing was written. */
public final class CgroupValueException extends IllegalArgumentException {
    private final String field;
    private final long value;

    CgroupValueException(String field, long value, String message) {
        super(message);
        this.field = field;
        this.value = value;
    }

    /** The tunable ({@code shares}, {@code weight}, {@code cfs_period}, {@code cfs_quota}). */
    public String field() {
        return field;
    }

    public long value() {
        return value;
    }
}
