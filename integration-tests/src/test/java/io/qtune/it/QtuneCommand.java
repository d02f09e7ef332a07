package io.qtune.it;

import io.qtune.testkit.TestTime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the built {@code ./qtune} launcher from the repository root, as an operator would. */
final class QtuneCommand {
  /** One run: exit status, stdout and stderr. */
  record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private final List<String> globals;
  private final List<String> wrapper;

  QtuneCommand(String... globals) {
    this(List.of(), List.of(globals));
  }

  private QtuneCommand(List<String> wrapper, List<String> globals) {
    this.wrapper = wrapper;
    this.globals = globals;
  }

  /** The same, run under {@code wrapper} (e.g. {@code unshare -n}). */
  QtuneCommand under(String... wrapper) {
    return new QtuneCommand(List.of(wrapper), globals);
  }

  static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isExecutable(p.resolve("qtune"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("no ./qtune above " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  static Path launcher() {
    return repoRoot().resolve("qtune");
  }

  /** The process for {@code args} (after the global options), started from the repository root. */
  ProcessBuilder builder(String... args) {
    List<String> cmd = new ArrayList<>(wrapper);
    cmd.add(launcher().toString());
    cmd.addAll(globals);
    if (TestTime.SCALE > 1 && !globals.contains("--timeout") && !List.of(args).contains("--timeout")) {
      // the CLI's own deadline for its QMP exchanges (default 30 s) scales like every test wait
      cmd.addAll(List.of("--timeout", Long.toString(TestTime.seconds(30).toSeconds())));
    }
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).directory(repoRoot().toFile());
  }

  Result run(String... args) {
    return runWithInput(null, args);
  }

  Result runWithInput(String stdin, String... args) {
    try {
      Process p = builder(args).start();
      CompletableFuture<String> out = drain(p.getInputStream());
      CompletableFuture<String> err = drain(p.getErrorStream());
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      if (!p.waitFor(TestTime.millis(60), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("qtune " + String.join(" ", args) + " did not finish in 60 s");
      }
      Result r = new Result(p.exitValue(), out.join(), err.join());
      // closed here, not by the JDK's reaper after waitFor returned: a caller that counts its fds
      // (the soak) would otherwise see these pipes for a moment after the run
      p.getInputStream().close();
      p.getErrorStream().close();
      return r;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static CompletableFuture<String> drain(java.io.InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "<" + e + ">";
      }
    });
  }
}
