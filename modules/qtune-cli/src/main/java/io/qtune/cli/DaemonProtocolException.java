package io.qtune.cli;

import java.nio.file.Path;

/** The daemon's answer could not be read (cut off, not HTTP, not the JSON the API describes). */
final class DaemonProtocolException extends RuntimeException {
  DaemonProtocolException(Path socket, String what) {
    super("bad answer from the qtune daemon at " + socket + ": " + what);
  }
}
