package io.qtune.daemon;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qtune daemon}: runs the node daemon in the foreground until SIGTERM/SIGINT. The
 * {@code ./qtune} launcher hands {@code daemon} here, so the CLI module never depends on this one.
 */
@Command(name = "qtune daemon", mixinStandardHelpOptions = true, version = "qtune daemon",
    description = "The node daemon: the qtune API (HTTP/1.1 + JSON) on a unix socket, events, metrics.%n"
        + "Re-adopts every VM recorded in the state directory; VMs keep running when it stops.")
public final class DaemonMain implements Callable<Integer> {
  @Option(names = "--socket", paramLabel = "PATH", description = "API socket (default: ${DEFAULT-VALUE})",
      defaultValue = "/run/qtune/qtune.sock")
  Path socket;

  @Option(names = "--socket-mode", paramLabel = "OCTAL",
      description = "the socket's mode: 0660 lets root and group qtune connect; 0666 lets every local user read"
          + " (changes stay root's and group qtune's) (default: ${DEFAULT-VALUE})", defaultValue = "0660")
  String socketMode;

  @Option(names = "--metrics-listen", paramLabel = "HOST:PORT",
      description = "also serve /metrics over TCP here; 'none' for nowhere (default: ${DEFAULT-VALUE})",
      defaultValue = "127.0.0.1:9465")
  String metricsListen;

  @Option(names = "--state-dir", paramLabel = "DIR", description = "state directory (default: ${DEFAULT-VALUE})",
      defaultValue = "/run/qtune")
  Path stateDir;

  @Option(names = "--partition", paramLabel = "PATH", description = "cgroup partition (default: ${DEFAULT-VALUE})",
      defaultValue = "/machine")
  String partition;

  @Option(names = "--group", paramLabel = "NAME",
      description = "members of this group may change things, besides root (default: ${DEFAULT-VALUE})",
      defaultValue = "qtune")
  String group;

  @Option(names = "--drift-interval", paramLabel = "SECONDS",
      description = "check every VM for drift this often; 0 never (default: ${DEFAULT-VALUE})", defaultValue = "60")
  long driftSeconds;

  public static void main(String[] args) {
    System.exit(new CommandLine(new DaemonMain()).execute(args));
  }

  @Override
  public Integer call() {
    double scale = 1;
    String s = System.getenv("QTUNE_TEST_TIME_SCALE");
    if (s != null && !s.isBlank()) {
      scale = Math.max(1, Double.parseDouble(s.trim()));
    }
    DaemonOptions options;
    try {
      options = new DaemonOptions(socket, DaemonOptions.parseMode(socketMode), DaemonOptions.parseListen(metricsListen), stateDir, partition, group,
          Duration.ofSeconds(driftSeconds), scale);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    Daemon daemon;
    try {
      daemon = Daemon.start(options, true);
    } catch (RuntimeException e) {
      System.err.println("error: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      daemon.close(); // VMs keep running; the next daemon re-adopts them
      stopped.countDown();
    }, "qtune-daemon-stop"));
    System.err.println("qtune daemon: serving " + socket.toAbsolutePath()
        + daemon.metricsAddress().map(a -> ", /metrics on " + a).orElse("") + " (" + daemon.adopted()
        + " VM(s) re-adopted)");
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
