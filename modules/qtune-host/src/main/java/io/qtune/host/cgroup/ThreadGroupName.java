package io.qtune.host.cgroup;

import java.util.Optional;

/** The per-thread child groups libvirt creates below a domain group (virCgroupNewThread). */
public sealed interface ThreadGroupName permits ThreadGroupName.Emulator, ThreadGroupName.Vcpu,
        ThreadGroupName.IoThread {

    /** The directory name: {@code emulator}, {@code vcpu<N>}, {@code iothread<N>}. */
    String dirName();

    static ThreadGroupName emulator() {
        return Emulator.INSTANCE;
    }

    static ThreadGroupName vcpu(int index) {
        return new Vcpu(index);
    }

    static ThreadGroupName iothread(int id) {
        return new IoThread(id);
    }

    /** Recognises a directory name; empty for anything else. */
    static Optional<ThreadGroupName> parse(String dirName) {
        if (dirName.equals("emulator")) {
            return Optional.of(emulator());
        }
        try {
            if (dirName.matches("vcpu(0|[1-9][0-9]{0,8})")) {
                return Optional.of(vcpu(Integer.parseInt(dirName.substring(4))));
            }
            if (dirName.matches("iothread[1-9][0-9]{0,8}")) {
                return Optional.of(iothread(Integer.parseInt(dirName.substring(8))));
            }
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The emulator group: QEMU's main thread and its helper threads. */
    record Emulator() implements ThreadGroupName {
        static final Emulator INSTANCE = new Emulator();

        @Override
        public String dirName() {
            return "emulator";
        }
    }

    /** The group of vCPU {@code index} (0-based, as query-cpus-fast's cpu-index). */
    record Vcpu(int index) implements ThreadGroupName {
        public Vcpu {
            if (index < 0) {
                throw new CgroupNameException("vcpu index " + index + " must not be negative");
            }
        }

        @Override
        public String dirName() {
            return "vcpu" + index;
        }
    }

    /** The group of IOThread {@code id} (libvirt's iothread_id, 1-based). */
    record IoThread(int id) implements ThreadGroupName {
        public IoThread {
            if (id < 1) {
                throw new CgroupNameException("invalid value of " + id + " for iothread_id: must be at least 1");
            }
        }

        @Override
        public String dirName() {
            return "iothread" + id;
        }
    }
}
