package io.qtune.daemon;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How the daemon runs.
 *
 * @param socket the API's unix socket
 * @param socketMode the socket's mode: {@code 0660} (root and group qtune connect at all), or
 *     {@code 0666} (every local user may connect and read; SO_PEERCRED still guards changes)
 * @param metricsListen where {@code /metrics} is also served over TCP, or null for nowhere
 * @param stateDir the state directory shared with the CLI (VMs recorded there are re-adopted)
 * @param partition the cgroup partition VMs go under
 * @param changeGroup the group whose members may change things besides root
 * @param driftInterval how often every VM is checked for drift (zero: never)
 * @param timeScale every timeout is multiplied by this (QTUNE_TEST_TIME_SCALE in slow lanes)
 */
public record DaemonOptions(Path socket, String socketMode, InetSocketAddress metricsListen, Path stateDir, String partition,
    String changeGroup, Duration driftInterval, double timeScale) {

  public static final Path DEFAULT_SOCKET = Path.of("/run/qtune/qtune.sock");

  /** An octal mode of read/write bits only ({@code 0660}, {@code 0666}), as a permission string. */
  public static String parseMode(String octal) {
    int m;
    try {
      m = Integer.parseInt(octal, 8);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--socket-mode must be octal (0660, 0666), got '" + octal + "'");
    }
    if ((m & ~0666) != 0) {
      throw new IllegalArgumentException("--socket-mode takes read/write bits only (at most 0666), got '" + octal + "'");
    }
    StringBuilder s = new StringBuilder();
    for (int shift = 6; shift >= 0; shift -= 3) {
      int b = (m >> shift) & 7;
      s.append((b & 4) != 0 ? 'r' : '-').append((b & 2) != 0 ? 'w' : '-').append('-');
    }
    return s.toString();
  }

  /** {@code HOST:PORT} ({@code [::1]:9465} for IPv6), or {@code none}/{@code off} for null. */
  public static InetSocketAddress parseListen(String s) {
    if (s == null || s.equals("none") || s.equals("off") || s.isEmpty()) {
      return null;
    }
    int colon = s.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("--metrics-listen must be HOST:PORT or none, got '" + s + "'");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--metrics-listen port must be a number, got '" + s + "'");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--metrics-listen port out of range: " + port);
    }
    return new InetSocketAddress(host, port);
  }
}
