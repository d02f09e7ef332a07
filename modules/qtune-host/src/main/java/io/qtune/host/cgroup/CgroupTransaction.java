package io.qtune.host.cgroup;

import io.qtune.host.cpu.CpuSet;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * An undo log for cgroup changes: each change records the previous value before writing, each
 * created group is remembered, and {@link #rollback()} undoes them newest first. Use with
 * try-with-resources: closing without {@link #commit()} rolls back.
 *
 * <pre>{@code
 * try (CgroupTransaction tx = new CgroupTransaction()) {
 *     ThreadCgroup vcpu0 = tx.createThread(domain, ThreadGroupName.vcpu(0));
 *     tx.setCpus(vcpu0, CpuSet.of(1));
 *     tx.setCfsQuota(vcpu0, 50_000);
 *     tx.commit();
 * }
 * }</pre>
 */
public final class CgroupTransaction implements AutoCloseable {
    private final Deque<Runnable> undo = new ArrayDeque<>();
    private boolean committed;

    /** Reads the current value, writes {@code value}, and records how to write the old one back. */
    public <T> void change(Supplier<T> reader, Consumer<T> writer, T value) {
        T old = reader.get();
        writer.accept(value);
        undo.push(() -> writer.accept(old));
    }

    /** Registers an arbitrary undo step. */
    public void onRollback(Runnable step) {
        undo.push(step);
    }

    /** Creates the thread group (or adopts it); a group this call created is removed on rollback. */
    public ThreadCgroup createThread(DomainCgroup domain, ThreadGroupName name) {
        boolean existed = domain.findThread(name).isPresent();
        ThreadCgroup t = domain.thread(name, true);
        if (!existed) {
            undo.push(t::remove);
        }
        return t;
    }

    public void setCpus(CpuCgroup g, CpuSet cpus) {
        change(g::cpus, g::setCpus, cpus);
    }

    public void setMems(CpuCgroup g, CpuSet mems) {
        change(g::mems, g::setMems, mems);
    }

    public void setCfsPeriod(CpuCgroup g, long period) {
        change(g::cfsPeriod, g::setCfsPeriod, period);
    }

    public void setCfsQuota(CpuCgroup g, long quota) {
        change(g::cfsQuota, g::setCfsQuota, quota);
    }

    /** v1 shares, or on v2 the weight converted from them (the old weight is restored). */
    public void setShares(CpuCgroup g, long shares) {
        if (g.version() == CgroupVersion.V2) {
            change(g::weight, g::setWeight, CpuTunables.sharesToWeight(shares));
        } else {
            change(g::shares, g::setShares, shares);
        }
    }

    public void setWeight(CpuCgroup g, long weight) {
        change(g::weight, g::setWeight, weight);
    }

    /** Forgets the undo log: the changes stay. */
    public void commit() {
        undo.clear();
        committed = true;
    }

    /**
     * Undoes every recorded change, newest first. All steps are tried; the first failure is thrown
     * with the later ones suppressed.
     */
    public void rollback() {
        RuntimeException first = null;
        while (!undo.isEmpty()) {
            try {
                undo.pop().run();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Number of recorded undo steps. */
    public int size() {
        return undo.size();
    }

    /** Rolls back unless committed. */
    @Override
    public void close() {
        if (!committed) {
            rollback();
        }
    }
}
