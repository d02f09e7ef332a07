package io.qtune.qmp.model;

/**
 * One {@code query-hotpluggable-cpus} entry.
 *
 * @param type device type to pass as {@code driver} to {@code device_add}
 * @param qomPath QOM path when plugged, {@code null} when the slot is free
 */
public record HotpluggableCpu(String type, int vcpusCount, CpuInstanceProperties props, String qomPath) {

  public boolean plugged() {
    return qomPath != null;
  }
}
