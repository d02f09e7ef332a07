package io.qtune.cli;

import java.nio.file.Path;

/** Nothing (trusted) answers on the daemon's socket: a one-shot command then works directly. */
final class DaemonUnavailableException extends RuntimeException {
  DaemonUnavailableException(Path socket, String why) {
    super("the qtune daemon at " + socket + " does not answer: " + why);
  }
}
