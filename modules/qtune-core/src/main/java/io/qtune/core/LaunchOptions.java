package io.qtune.core;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to launch QEMU.
 *
 * @param qmpSocket the QMP socket to create, or null for {@code <stateDir>/<name>.qmp}
 * @param stayPaused leave the VM paused after placement instead of sending {@code cont}
 * @param startTimeout how long QEMU may take to open its QMP socket
 * @param log where QEMU's stdout and stderr go, or null for {@code <stateDir>/<name>.log}
 */
public record LaunchOptions(Path qmpSocket, boolean stayPaused, Duration startTimeout, Path log) {
  public static LaunchOptions defaults() {
    return new LaunchOptions(null, false, Duration.ofSeconds(30), null);
  }

  public LaunchOptions paused() {
    return new LaunchOptions(qmpSocket, true, startTimeout, log);
  }

  public LaunchOptions withQmpSocket(Path p) {
    return new LaunchOptions(p, stayPaused, startTimeout, log);
  }
}
