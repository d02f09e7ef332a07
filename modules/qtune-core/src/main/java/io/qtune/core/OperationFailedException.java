package io.qtune.core;

/**
 * The operation was valid but the host or QEMU refused it midway. What the operation had changed
 * was put back (the message says so when the rollback itself failed).
 */
public class OperationFailedException extends QtuneException {
  public OperationFailedException(String message, Throwable cause) {
    super(message, cause);
  }

  public OperationFailedException(String message) {
    super(message);
  }
}
