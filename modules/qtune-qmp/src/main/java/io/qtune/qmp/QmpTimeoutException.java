package io.qtune.qmp;

import java.nio.file.Path;
import java.time.Duration;

/** No reply within the command's timeout. A reply that arrives later is dropped (and logged). */
public final class QmpTimeoutException extends QmpException {
  private final String command;
  private final Duration timeout;

  public QmpTimeoutException(String command, Duration timeout) {
    this(null, command, timeout);
  }

  public QmpTimeoutException(Path socketPath, String command, Duration timeout) {
    this(socketPath, command, timeout, "QMP command '" + command + "'"
        + (socketPath == null ? "" : " on " + socketPath) + " got no reply within "
        + format(timeout) + " (QEMU may be busy or hung; raise QmpOptions.commandTimeout if it is slow)");
  }

  QmpTimeoutException(Path socketPath, String command, Duration timeout, String message) {
    super(socketPath, message);
    this.command = command;
    this.timeout = timeout;
  }

  /** Command that timed out; {@code (greeting)} while the connection was being set up. */
  public String command() {
    return command;
  }

  public Duration timeout() {
    return timeout;
  }

  static String format(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
  }
}
