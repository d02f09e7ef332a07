package io.qtune.qmp.model;

/**
 * {@code CpuInstanceProperties}: where a vCPU sits in the guest topology. Members the machine does
 * not use are {@code null}. Note {@code threadId} is the SMT index, not a host TID.
 */
public record CpuInstanceProperties(Integer nodeId, Integer socketId, Integer dieId, Integer clusterId,
    Integer coreId, Integer threadId) {
}
