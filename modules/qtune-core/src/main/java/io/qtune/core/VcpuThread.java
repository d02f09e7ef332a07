package io.qtune.core;

/**
 * A vCPU as QEMU reports it, with its host thread verified to belong to the QEMU process.
 *
 * @param index the vCPU index ({@code cpu-index})
 * @param tid the host thread ID, or 0 when QEMU has no thread of its own for it (single-threaded TCG)
 */
public record VcpuThread(int index, int tid, String qomPath) {}
