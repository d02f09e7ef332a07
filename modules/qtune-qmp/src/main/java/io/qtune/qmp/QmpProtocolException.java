package io.qtune.qmp;

import java.nio.file.Path;

/**
 * The server broke the QMP protocol: garbage or missing greeting, malformed JSON, a line longer than
 * {@link QmpOptions#maxFrameBytes()}, a reply without an id or with an id this client never sent.
 * Fatal ones close the connection (pending commands then fail with
 * {@link QmpConnectionClosedException} caused by this); id problems are reported to
 * {@link QmpClient#onProtocolError} listeners and the connection stays open.
 */
public final class QmpProtocolException extends QmpException {
  public QmpProtocolException(Path socketPath, String message) {
    super(socketPath, message);
  }

  public QmpProtocolException(Path socketPath, String message, Throwable cause) {
    super(socketPath, message, cause);
  }
}
