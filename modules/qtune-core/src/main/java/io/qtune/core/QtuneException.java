package io.qtune.core;

/** Base of every error the control plane reports; messages are sentences an operator can act on. */
public class QtuneException extends RuntimeException {
  public QtuneException(String message) {
    super(message);
  }

  public QtuneException(String message, Throwable cause) {
    super(message, cause);
  }
}
