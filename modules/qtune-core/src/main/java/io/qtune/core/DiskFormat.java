package io.qtune.core;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A disk image's format, as the caller states it (virsh's {@code --subdriver}, libvirt's
 * {@code <driver type=...>}). qtune never guesses it from the image's bytes: a guest that can write
 * a raw image could write a qcow2 header into it naming any host file as its backing file, and a
 * probe would then open that file for the guest. libvirt stopped probing formats for this reason
 * (CVE-2010-2238; {@code allow_disk_format_probing} was removed in libvirt 5.0).
 */
public enum DiskFormat {
  /** The image is the guest's disk, byte for byte (libvirt's default). */
  RAW("raw"),
  /** A qcow2 image; a backing file or external data file it names is never opened. */
  QCOW2("qcow2");

  private final String driver;

  DiskFormat(String driver) {
    this.driver = driver;
  }

  /** The QEMU block driver name, also the name the CLI takes: {@code raw}, {@code qcow2}. */
  public String driver() {
    return driver;
  }

  /** {@code raw} or {@code qcow2}, exactly as virsh spells them; anything else is bad input. */
  public static DiskFormat of(String name) {
    for (DiskFormat f : values()) {
      if (f.driver.equals(name)) {
        return f;
      }
    }
    throw new InvalidInputException("unsupported disk format '" + name + "' (allowed: "
        + Arrays.stream(values()).map(DiskFormat::driver).collect(Collectors.joining(", "))
        + "); qtune never probes an image's format");
  }

  @Override
  public String toString() {
    return driver;
  }
}
