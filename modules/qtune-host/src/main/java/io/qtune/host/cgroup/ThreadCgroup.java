package io.qtune.host.cgroup;

/** A per-thread child group ({@code emulator}, {@code vcpuN}, {@code iothreadN}) of a domain. */
public final class ThreadCgroup extends CpuCgroup {
    private final ThreadGroupName name;
    private final DomainCgroup domain;

    ThreadCgroup(CgroupNode node, ThreadGroupName name, DomainCgroup domain) {
        super(node);
        this.name = name;
        this.domain = domain;
    }

    public ThreadGroupName name() {
        return name;
    }

    public DomainCgroup domain() {
        return domain;
    }
}
