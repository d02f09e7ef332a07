package io.qtune.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.TestTime;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gc removes what a QEMU killed with its launcher left in the state directory (its QMP sockets
 * {@code NAME.qmp} and {@code NAME.cli.qmp}: QEMU unlinks them only on a clean exit), and nothing
 * else: not a live VM's socket, not a socket something still listens on, not a symbolic link or a
 * file that is not a socket, nothing outside the directory whatever name a record holds. No QEMU
 * and no cgroup here: the records name processes this test starts and kills.
 */
class GcStateFilesTest {
  @TempDir Path tmp;

  /** A socket file nobody listens on: what a SIGKILLed QEMU leaves. */
  static Path staleSocket(Path p) throws IOException {
    try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      s.bind(UnixDomainSocketAddress.of(p));
    }
    return p;
  }

  static Process sleeper() throws IOException {
    return new ProcessBuilder("sleep", "600").start();
  }

  static void kill(Process p) throws InterruptedException {
    p.destroyForcibly();
    p.waitFor(TestTime.millis(10), TimeUnit.MILLISECONDS);
  }

  static long startTime(Qtune q, Process p) {
    return q.proc().identity((int) p.pid()).orElseThrow().startTime();
  }

  @Test
  void gcRemovesTheSocketsOfGoneVmsOnlyAndNeverLeavesTheDirectory() throws Exception {
    Path state = tmp.resolve("state");
    Path outside = Files.createDirectory(tmp.resolve("outside"));
    Process dead = sleeper();
    Process alive = sleeper();
    try (Qtune qtune = Qtune.create(TestOptions.options().withStateDir(state));
        ServerSocketChannel listening = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      StateDir sd = qtune.state();
      sd.ensure();
      long deadStart = startTime(qtune, dead);
      int deadPid = (int) dead.pid();
      kill(dead);
      // a VM killed with its launcher: record, both sockets, its log
      sd.write(new StateDir.Entry("gone", deadPid, deadStart, sd.file("gone", ".qmp").toString(), "/none", true));
      staleSocket(sd.file("gone", ".qmp"));
      staleSocket(sd.file("gone", ".cli.qmp"));
      Files.writeString(sd.file("gone", ".log"), "qemu: terminating on signal 9\n");
      // a live VM: its sockets stay
      sd.write(new StateDir.Entry("live", (int) alive.pid(), startTime(qtune, alive),
          sd.file("live", ".qmp").toString(), "/none", true));
      staleSocket(sd.file("live", ".qmp"));
      staleSocket(sd.file("live", ".cli.qmp"));
      // gone, but something still serves its socket (a pid reused, a QEMU started by hand)
      sd.write(new StateDir.Entry("served", deadPid, deadStart, sd.file("served", ".qmp").toString(), "/none", true));
      listening.bind(UnixDomainSocketAddress.of(sd.file("served", ".qmp")));
      // gone, and its names are a symbolic link to a socket outside and a regular file
      sd.write(new StateDir.Entry("linked", deadPid, deadStart, sd.file("linked", ".qmp").toString(), "/none", true));
      Path target = staleSocket(outside.resolve("target.qmp"));
      Files.createSymbolicLink(sd.file("linked", ".qmp"), target);
      Files.writeString(sd.file("linked", ".cli.qmp"), "not a socket");
      // a record QEMU's own launch never writes: a hostile name pointing outside
      Path hostile = staleSocket(outside.resolve("victim.qmp"));
      Files.writeString(state.resolve("evil.json"), "{\"name\": \"../outside/victim\", \"pid\": " + deadPid
          + ", \"startTime\": " + deadStart + ", \"qmpSocket\": \"" + hostile + "\", \"domainPath\": \"/none\","
          + " \"launched\": true}");
      // a record whose name is not its file's: not written by qtune, not trusted
      Files.writeString(state.resolve("decoy.json"), "{\"name\": \"live\", \"pid\": " + deadPid
          + ", \"startTime\": " + deadStart + ", \"qmpSocket\": \"x\", \"domainPath\": \"/none\", \"launched\": true}");

      qtune.gc();

      assertFalse(Files.exists(sd.file("gone", ".qmp"), LinkOption.NOFOLLOW_LINKS), "gone.qmp stays");
      assertFalse(Files.exists(sd.file("gone", ".cli.qmp"), LinkOption.NOFOLLOW_LINKS), "gone.cli.qmp stays");
      assertFalse(Files.exists(sd.file("gone", ".json")), "gone's record stays");
      assertTrue(Files.exists(sd.file("gone", ".log")), "QEMU's log is kept for the post-mortem");
      for (String s : List.of(".json", ".qmp", ".cli.qmp")) {
        assertTrue(Files.exists(sd.file("live", s), LinkOption.NOFOLLOW_LINKS), "live" + s + " was removed");
      }
      assertTrue(Files.exists(sd.file("served", ".qmp")), "a socket something listens on was removed");
      assertTrue(Files.isSymbolicLink(sd.file("linked", ".qmp")), "a symbolic link was removed");
      assertTrue(Files.exists(target, LinkOption.NOFOLLOW_LINKS), "the link's target was removed");
      assertEquals("not a socket", Files.readString(sd.file("linked", ".cli.qmp")));
      assertTrue(Files.exists(hostile, LinkOption.NOFOLLOW_LINKS), "a file outside the state directory was removed");
      assertTrue(Files.exists(state.resolve("evil.json")), "a record qtune never wrote was removed");
      assertTrue(Files.exists(state.resolve("decoy.json")), "a record qtune never wrote was removed");
    } finally {
      kill(dead);
      kill(alive);
    }
  }

  /**
   * A first record write killed between its temp file and the rename (under the state lock, before
   * any group exists) leaves {@code .NAME.json.tmp} and no record: gc removes it. A temp file beside
   * a record, a link, a directory and a dot file of any other naming stay.
   */
  @Test
  void gcRemovesATempRecordThatNoRecordOwns() throws Exception {
    Path state = tmp.resolve("state");
    Path outside = Files.createDirectory(tmp.resolve("outside"));
    Process alive = sleeper();
    try (Qtune qtune = Qtune.create(TestOptions.options().withStateDir(state))) {
      StateDir sd = qtune.state();
      sd.ensure();
      Path orphan = Files.writeString(state.resolve(".killed.json.tmp"), "{\"name\": \"kil");
      sd.write(new StateDir.Entry("live", (int) alive.pid(), startTime(qtune, alive),
          sd.file("live", ".qmp").toString(), "/none", true));
      Path beside = Files.writeString(state.resolve(".live.json.tmp"), "{");
      Path victim = Files.writeString(outside.resolve("victim"), "keep");
      Path link = Files.createSymbolicLink(state.resolve(".linked.json.tmp"), victim);
      Path dir = Files.createDirectory(state.resolve(".adir.json.tmp"));
      Path other = Files.writeString(state.resolve(".notes.tmp"), "keep");

      qtune.gc();

      assertFalse(Files.exists(orphan, LinkOption.NOFOLLOW_LINKS), "the killed write's temp file stays");
      assertTrue(Files.exists(beside), "a live VM's temp file was removed");
      assertTrue(Files.isSymbolicLink(link), "a symbolic link was removed");
      assertEquals("keep", Files.readString(victim));
      assertTrue(Files.isDirectory(dir), "a directory was removed");
      assertTrue(Files.exists(other), "a file of another naming was removed");
      assertTrue(Files.exists(sd.file("live", ".json")), "the live record was removed");
    } finally {
      kill(alive);
    }
  }
}
