package io.qtune.qmp;

import java.nio.file.Path;

/**
 * The connection closed (EOF from QEMU, {@link QmpClient#close()}, a protocol error or an I/O error)
 * before the command got its reply. The message names the socket and why; a protocol or I/O error is
 * also the {@linkplain #getCause() cause}.
 */
public final class QmpConnectionClosedException extends QmpException {
  public QmpConnectionClosedException(Path socketPath, String why) {
    this(socketPath, why, null);
  }

  public QmpConnectionClosedException(Path socketPath, String why, Throwable cause) {
    super(socketPath, "QMP connection to " + socketPath + " closed: " + why, cause);
  }
}
