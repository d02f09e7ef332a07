package io.qtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.it.QtuneCommand.Result;
import io.qtune.testkit.QemuProcess;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * QEMU serves one client per QMP socket: a second one is accepted into the backlog and never
 * greeted. When something else (qtune daemon, libvirt, a script) holds the monitor, the CLI's
 * timeout must say so, not only "no answer from QEMU".
 */
class CliBusyMonitorTest {
  @TempDir Path state;

  @Test
  void aMonitorHeldByAnotherClientIsNamedInTheTimeout() throws Exception {
    try (QemuProcess q = QemuProcess.start("1");
        SocketChannel holder = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      holder.connect(UnixDomainSocketAddress.of(q.socket()));
      holder.read(ByteBuffer.allocate(4096)); // the greeting: this client holds the monitor now
      Result r = new QtuneCommand("--direct", "--qmp", q.socket().toString(), "--state-dir", state.toString(),
          "--timeout", "2").run("vcpuinfo");
      assertEquals(1, r.code(), r.toString());
      assertTrue(r.err().startsWith("error: no answer from QEMU within --timeout 2 s"), r.toString());
      assertTrue(r.err().contains("sent no QMP greeting")
          && r.err().contains("one QMP client at a time"), r.toString());
    }
  }
}
