package io.qtune.host.cgroup;

import java.nio.file.Path;
import java.util.Set;

/**
 * One cgroup filesystem mount from mountinfo.
 *
 * @param mountPoint the mount point as the host sees it ({@code /sys/fs/cgroup/cpu})
 * @param dir the same directory below the detection root (what the module reads and writes)
 * @param root the mount's root inside the hierarchy ({@code /} or, in a container without a cgroup
 *     namespace, e.g. {@code /docker/abc})
 * @param fsType {@code cgroup} or {@code cgroup2}
 * @param controllers v1: the controllers of the hierarchy (from the mount options); v2: the
 *     contents of {@code cgroup.controllers} at the mount point
 * @param name a v1 named hierarchy ({@code systemd} for {@code name=systemd}), or null
 * @param readOnly mounted read-only
 */
public record CgroupMount(Path mountPoint, Path dir, String root, String fsType, Set<String> controllers, String name,
        boolean readOnly) {
    public CgroupMount {
        controllers = Set.copyOf(controllers);
    }

    public CgroupVersion version() {
        return fsType.equals("cgroup2") ? CgroupVersion.V2 : CgroupVersion.V1;
    }
}
