package io.qtune.host.cgroup;

import io.qtune.host.Errno;
import io.qtune.host.HostException;

/** A cgroup operation failed or the host's cgroups cannot do what was asked. */
public class CgroupException extends HostException {
    public CgroupException(String message) {
        super(message);
    }

    public CgroupException(String message, Errno errno, Throwable cause) {
        super(message, errno, cause);
    }
}
