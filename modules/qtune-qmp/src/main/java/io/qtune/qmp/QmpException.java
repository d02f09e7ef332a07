package io.qtune.qmp;

import java.nio.file.Path;

/**
 * Base of every failure reported by the QMP client. Futures returned by {@link QmpClient} complete
 * exceptionally with a subclass; {@code join()} wraps it in a {@code CompletionException} whose cause
 * is this exception.
 */
public class QmpException extends RuntimeException {
  private final Path socketPath;

  public QmpException(Path socketPath, String message) {
    this(socketPath, message, null);
  }

  public QmpException(Path socketPath, String message, Throwable cause) {
    super(message, cause);
    this.socketPath = socketPath;
  }

  /** The QMP socket the failing connection talks to (may be {@code null} if not known). */
  public Path socketPath() {
    return socketPath;
  }
}
