package io.qtune.qmp;

import java.time.Duration;
import java.util.Objects;

/**
 * Connection settings.
 *
 * @param connectTimeout bound on connect + greeting + {@code qmp_capabilities}
 * @param commandTimeout default per-command timeout, counted from the call (queueing included)
 * @param maxFrameBytes longest accepted line from QEMU; a longer one closes the connection
 * @param enableOob enable the {@code oob} capability when offered (allows 8 in-band commands in
 *     flight instead of 1)
 */
public record QmpOptions(Duration connectTimeout, Duration commandTimeout, int maxFrameBytes,
    boolean enableOob) {

  /** libvirt's QEMU_MONITOR_MAX_RESPONSE; {@code query-qmp-schema} alone is about 120 KB. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 10 * 1024 * 1024;

  public QmpOptions {
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(commandTimeout, "commandTimeout");
    requirePositive("connectTimeout", connectTimeout);
    requirePositive("commandTimeout", commandTimeout);
    if (maxFrameBytes < 64) {
      throw new IllegalArgumentException("maxFrameBytes is " + maxFrameBytes
          + "; it must be at least 64 (a QMP greeting does not fit in less); default "
          + DEFAULT_MAX_FRAME_BYTES);
    }
  }

  /** 5 s connect, 30 s per command, 10 MiB frames, OOB on. */
  public static QmpOptions defaults() {
    return new QmpOptions(Duration.ofSeconds(5), Duration.ofSeconds(30), DEFAULT_MAX_FRAME_BYTES, true);
  }

  public QmpOptions withConnectTimeout(Duration value) {
    return new QmpOptions(value, commandTimeout, maxFrameBytes, enableOob);
  }

  public QmpOptions withCommandTimeout(Duration value) {
    return new QmpOptions(connectTimeout, value, maxFrameBytes, enableOob);
  }

  public QmpOptions withMaxFrameBytes(int value) {
    return new QmpOptions(connectTimeout, commandTimeout, value, enableOob);
  }

  public QmpOptions withEnableOob(boolean value) {
    return new QmpOptions(connectTimeout, commandTimeout, maxFrameBytes, value);
  }

  static void requirePositive(String field, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(field + " is " + d + "; it must be positive");
    }
  }
}
