/**
 * The placement planner: turns a policy ("4 dedicated CPUs, isolate the emulator") into host CPUs,
 * vCPU pins, emulator CPUs and a guest NUMA mapping, on a plain topology model. It reads nothing
 * from the host itself: {@link io.qtune.plan.Topology#fromHost} converts a live
 * {@code HostTopology}, {@link io.qtune.plan.json.RequestJson} a JSON one.
 */
package io.qtune.plan;
