package io.qtune.qmp;

/** QEMU version as in the greeting and {@code query-version}; {@code pkg} is the distro suffix. */
public record QmpVersion(int major, int minor, int micro, String pkg) implements Comparable<QmpVersion> {

  /** True when this version is at least {@code major.minor}. */
  public boolean atLeast(int major, int minor) {
    return this.major > major || (this.major == major && this.minor >= minor);
  }

  @Override
  public int compareTo(QmpVersion o) {
    int c = Integer.compare(major, o.major);
    if (c == 0) {
      c = Integer.compare(minor, o.minor);
    }
    return c != 0 ? c : Integer.compare(micro, o.micro);
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + micro + (pkg == null || pkg.isEmpty() ? "" : " (" + pkg.strip() + ")");
  }
}
