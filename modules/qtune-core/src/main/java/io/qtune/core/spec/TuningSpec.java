package io.qtune.core.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What a VM's threads should look like: libvirt's {@code <cputune>} (plus {@code <iothreadids>} and
 * {@code <numatune>}) as JSON, with libvirt's element names in snake case. Every field is optional;
 * {@code null} means "leave as it is" (libvirt's 0 for period/quota means the same).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TuningSpec(
    String name,
    List<IothreadSpec> iothreads,
    List<VcpuPin> vcpupin,
    String emulatorpin,
    List<IothreadPin> iothreadpin,
    Long shares,
    Long weight,
    Long period,
    Long quota,
    @JsonProperty("global_period") Long globalPeriod,
    @JsonProperty("global_quota") Long globalQuota,
    @JsonProperty("emulator_period") Long emulatorPeriod,
    @JsonProperty("emulator_quota") Long emulatorQuota,
    @JsonProperty("iothread_period") Long iothreadPeriod,
    @JsonProperty("iothread_quota") Long iothreadQuota,
    List<VcpuSched> vcpusched,
    List<IothreadSched> iothreadsched,
    EmulatorSched emulatorsched,
    NumaTune numatune) {

  public TuningSpec {
    iothreads = iothreads == null ? List.of() : List.copyOf(iothreads);
    vcpupin = vcpupin == null ? List.of() : List.copyOf(vcpupin);
    iothreadpin = iothreadpin == null ? List.of() : List.copyOf(iothreadpin);
    vcpusched = vcpusched == null ? List.of() : List.copyOf(vcpusched);
    iothreadsched = iothreadsched == null ? List.of() : List.copyOf(iothreadsched);
  }

  /** A spec that only names the VM: attach and place with no tuning (every group inherits). */
  public static TuningSpec named(String name) {
    return new TuningSpec(name, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null, null);
  }

  /** This spec under another name (a launch that names the VM on the command line). */
  public TuningSpec withName(String newName) {
    return new TuningSpec(newName, iothreads, vcpupin, emulatorpin, iothreadpin, shares, weight, period, quota,
        globalPeriod, globalQuota, emulatorPeriod, emulatorQuota, iothreadPeriod, iothreadQuota, vcpusched,
        iothreadsched, emulatorsched, numatune);
  }

  /** {@code <iothreadids><iothread id=.../>}: QEMU object {@code iothread<id>} and its poll settings. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record IothreadSpec(
      int id,
      @JsonProperty("poll_max_ns") Long pollMaxNs,
      @JsonProperty("poll_grow") Long pollGrow,
      @JsonProperty("poll_shrink") Long pollShrink,
      @JsonProperty("aio_max_batch") Long aioMaxBatch,
      @JsonProperty("thread_pool_min") Integer threadPoolMin,
      @JsonProperty("thread_pool_max") Integer threadPoolMax) {
    public static IothreadSpec of(int id) {
      return new IothreadSpec(id, null, null, null, null, null, null);
    }
  }

  /** {@code <vcpupin vcpu= cpuset=/>}. */
  public record VcpuPin(int vcpu, String cpuset) {}

  /** {@code <iothreadpin iothread= cpuset=/>}. */
  public record IothreadPin(int iothread, String cpuset) {}

  /** {@code <vcpusched vcpus= scheduler= priority=/>}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record VcpuSched(String vcpus, String scheduler, Integer priority) {}

  /** {@code <iothreadsched iothreads= scheduler= priority=/>}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record IothreadSched(String iothreads, String scheduler, Integer priority) {}

  /** {@code <emulatorsched scheduler= priority=/>}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record EmulatorSched(String scheduler, Integer priority) {}

  /** {@code <numatune><memory mode= nodeset=/>}. */
  public record NumaTune(String mode, String nodeset) {}
}
