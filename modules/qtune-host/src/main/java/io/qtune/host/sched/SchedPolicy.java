package io.qtune.host.sched;

import java.util.Arrays;
import java.util.Locale;

/**
 * Linux scheduling policies with libvirt's names ({@code vcpusched scheduler='fifo'}) and
 * their priority ranges: 1..99 for the real-time policies, 0 for the others.
 */
public enum SchedPolicy {
    OTHER(0, "other", 0, 0),
    FIFO(1, "fifo", 1, 99),
    RR(2, "rr", 1, 99),
    BATCH(3, "batch", 0, 0),
    IDLE(5, "idle", 0, 0);

    private final int linux;
    private final String libvirtName;
    private final int minPriority;
    private final int maxPriority;

    SchedPolicy(int linux, String libvirtName, int minPriority, int maxPriority) {
        this.linux = linux;
        this.libvirtName = libvirtName;
        this.minPriority = minPriority;
        this.maxPriority = maxPriority;
    }

    /** The SCHED_* constant. */
    public int linuxValue() {
        return linux;
    }

    /** libvirt's name: other (libvirt's "none"), fifo, rr, batch, idle. */
    public String libvirtName() {
        return libvirtName;
    }

    public int minPriority() {
        return minPriority;
    }

    public int maxPriority() {
        return maxPriority;
    }

    /** True for FIFO and RR. */
    public boolean realtime() {
        return this == FIFO || this == RR;
    }

    /** Parses a libvirt name (also "none" and "normal" for OTHER), case-insensitive. */
    public static SchedPolicy parse(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        if (n.equals("none") || n.equals("normal")) {
            return OTHER;
        }
        for (SchedPolicy p : values()) {
            if (p.libvirtName.equals(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException("scheduler '" + name + "' must be one of "
                + Arrays.stream(values()).map(SchedPolicy::libvirtName).toList());
    }

    /** The policy for a SCHED_* value (flags such as SCHED_RESET_ON_FORK ignored). */
    public static SchedPolicy ofLinux(int value) {
        int v = value & ~0x40000000;
        for (SchedPolicy p : values()) {
            if (p.linux == v) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown scheduling policy " + value);
    }

    /** Checks a priority for this policy. */
    public void checkPriority(int priority) {
        if (priority < minPriority || priority > maxPriority) {
            throw new IllegalArgumentException("priority '" + priority + "' for scheduler '" + libvirtName
                    + "' must be in range [" + minPriority + ", " + maxPriority + "]");
        }
    }
}
