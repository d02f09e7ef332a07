package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qtune.testkit.TestTime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The CLI shows qtune's messages only: libraries' loggers (Netty's MacAddressUtil warning on a host
 * without a network interface) log errors only, unless {@code -v}. slf4j-simple reads its settings
 * once per JVM, so each case runs {@link Probe} in a JVM of its own.
 */
class LoggingTest {

  @Test
  void withoutVerboseOnlyQtuneWarns() throws Exception {
    assertEquals("io.netty warn=false error=true\nio.qtune warn=true info=false\n", probe("vcpuinfo"));
  }

  @Test
  void verboseShowsLibraryWarningsToo() throws Exception {
    assertEquals("io.netty warn=true error=true\nio.qtune warn=true info=true\n", probe("-v", "vcpuinfo"));
  }

  private static String probe(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
        Probe.class.getName()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(TestTime.millis(60), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("probe did not finish in 60 s");
    }
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  /** Configures logging as {@code qtune ARGS} does, then prints which levels two loggers have. */
  public static final class Probe {
    public static void main(String[] args) {
      Logging.configure(args);
      org.slf4j.Logger netty = org.slf4j.LoggerFactory.getLogger("io.netty.util.internal.MacAddressUtil");
      org.slf4j.Logger qtune = org.slf4j.LoggerFactory.getLogger("io.qtune.qmp.protocol.CommandPipeline");
      System.out.print("io.netty warn=" + netty.isWarnEnabled() + " error=" + netty.isErrorEnabled() + "\n"
          + "io.qtune warn=" + qtune.isWarnEnabled() + " info=" + qtune.isInfoEnabled() + "\n");
    }
  }
}
