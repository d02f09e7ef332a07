package io.qtune.qmp;

import java.nio.file.Path;

/** QEMU answered a command with {@code {"error": {"class": ..., "desc": ...}}}. */
public final class QmpCommandException extends QmpException {
  private final String command;
  private final String errorClass;
  private final String description;

  public QmpCommandException(String command, String errorClass, String description) {
    this(null, command, errorClass, description);
  }

  public QmpCommandException(Path socketPath, String command, String errorClass, String description) {
    super(socketPath, "QMP command '" + command + "' failed"
        + (socketPath == null ? "" : " on " + socketPath) + ": " + errorClass + ": " + description);
    this.command = command;
    this.errorClass = errorClass;
    this.description = description;
  }

  /** The command name, e.g. {@code object-add}. */
  public String command() {
    return command;
  }

  /** QMP error class, e.g. {@code GenericError}, {@code CommandNotFound}, {@code DeviceNotFound}. */
  public String errorClass() {
    return errorClass;
  }

  /** Human-readable text from QEMU; do not parse it (the QMP spec says it may change). */
  public String description() {
    return description;
  }
}
