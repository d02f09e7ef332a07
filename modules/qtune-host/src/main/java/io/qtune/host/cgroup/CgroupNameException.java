package io.qtune.host.cgroup;

/** A VM name, partition, suffix or thread group name that cannot be used as a cgroup path. */
public final class CgroupNameException extends IllegalArgumentException {
    CgroupNameException(String message) {
        super(message);
    }
}
