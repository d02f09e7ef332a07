package io.qtune.cli;

/** Input the CLI itself refuses (before opening anything): exit status 2. */
final class BadInputException extends RuntimeException {
  BadInputException(String message) {
    super(message);
  }
}
