package io.qtune.cli;

/** The command's {@code --timeout} passed before QEMU answered: exit status 1. */
final class DeadlineException extends RuntimeException {
  DeadlineException(String message) {
    super(message);
  }
}
