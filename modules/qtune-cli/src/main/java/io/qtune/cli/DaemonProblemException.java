package io.qtune.cli;

import java.util.List;

/**
 * The daemon refused or failed an operation (an RFC 9457 problem): {@code messages} are the
 * library's, as the CLI prints them directly; {@code status} decides the exit code.
 */
final class DaemonProblemException extends RuntimeException {
  private final int status;
  private final List<String> messages;

  DaemonProblemException(int status, List<String> messages) {
    super(String.join("; ", messages));
    this.status = status;
    this.messages = List.copyOf(messages);
  }

  int status() {
    return status;
  }

  List<String> messages() {
    return messages;
  }

  /**
   * The CLI's split: 400/404/409/422 are refused input (nothing was changed, exit 2), as the
   * library's InvalidInputException; 403 and 5xx failed (exit 1).
   */
  int exitCode() {
    return switch (status) {
      case 400, 404, 409, 422 -> Exit.BAD_INPUT;
      default -> Exit.FAILED;
    };
  }
}
