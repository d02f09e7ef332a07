package io.qtune.core;

import java.util.List;

/**
 * Every thread of one QEMU process, sorted into roles.
 *
 * @param perVcpuThreads false when QEMU runs vCPUs on shared threads (TCG without MTTCG): then vCPU
 *     threads cannot be placed on their own and only the emulator and iothreads are placed
 * @param maxVcpus maxcpus: plugged plus hot-pluggable vCPU slots
 * @param emulator every task of the process that is neither a vCPU nor an iothread
 * @param unplacedIothreads iothread objects whose id is not {@code iothread<N>} (left with the emulator)
 */
public record VmThreads(int pid, List<VcpuThread> vcpus, List<IothreadThread> iothreads,
    List<Integer> emulator, boolean perVcpuThreads, int maxVcpus, List<String> unplacedIothreads) {

  public VcpuThread vcpu(int index) {
    return vcpus.stream().filter(v -> v.index() == index).findFirst().orElse(null);
  }

  public IothreadThread iothread(int id) {
    return iothreads.stream().filter(i -> i.id() == id).findFirst().orElse(null);
  }
}
