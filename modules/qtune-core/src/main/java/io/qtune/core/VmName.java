package io.qtune.core;

/** VM names (stub: no check yet). */
public final class VmName {
  private VmName() {}

  public static String require(String name, String origin) {
    return name;
  }
}
