package io.qtune.host.cgroup;

/** The cgroup version a controller is used through. */
public enum CgroupVersion {
    V1,
    V2
}
