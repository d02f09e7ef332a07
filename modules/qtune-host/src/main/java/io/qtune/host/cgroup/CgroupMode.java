package io.qtune.host.cgroup;

/** How cgroups are mounted on a host. */
public enum CgroupMode {
    /** Only cgroup v1 controller hierarchies. */
    V1,
    /** Only a cgroup2 hierarchy (the unified layout). */
    V2,
    /** v1 controller hierarchies plus a cgroup2 mount (systemd's hybrid; also this test machine). */
    HYBRID,
    /** No cgroup filesystem mounted. */
    NONE
}
