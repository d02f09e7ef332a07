package io.qtune.core.spec;

import java.util.Set;

/**
 * What validation needs to know about the live VM.
 *
 * @param maxVcpus the live vCPU count libvirt checks pins against (maxcpus, including offline ones)
 * @param iothreadIds the ids of the iothreads QEMU has now
 */
public record VmFacts(int maxVcpus, Set<Integer> iothreadIds) {}
