package io.qtune.qmp;

import java.nio.file.Path;

/** The unix socket could not be connected at all (missing file, refused, not a socket). */
public final class QmpConnectException extends QmpException {
  public QmpConnectException(Path socketPath, Throwable cause) {
    super(socketPath, "Cannot connect to QMP socket " + socketPath + ": " + cause.getMessage()
        + " (is QEMU running with -qmp unix:" + socketPath + ",server=on,wait=off?)", cause);
  }
}
