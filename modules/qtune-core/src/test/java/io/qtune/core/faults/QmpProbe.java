package io.qtune.core.faults;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * QEMU's iothreads read over a QMP connection of its own (qtune's client is closed after a failed
 * attach or launch): independent of the code under test.
 */
final class QmpProbe {
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

  private QmpProbe() {
  }

  static List<String> iothreads(Path socket) {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
      OutputStream out = Channels.newOutputStream(ch);
      in.readLine(); // greeting
      out.write("{\"execute\":\"qmp_capabilities\"}\n".getBytes(StandardCharsets.UTF_8));
      answer(in);
      out.write("{\"execute\":\"query-iothreads\"}\n".getBytes(StandardCharsets.UTF_8));
      String reply = answer(in);
      List<String> ids = new ArrayList<>();
      Matcher m = ID.matcher(reply);
      while (m.find()) {
        ids.add(m.group(1));
      }
      return ids;
    } catch (IOException e) {
      throw new AssertionError("query-iothreads on " + socket + ": " + e, e);
    }
  }

  /** The next reply line, skipping events. */
  private static String answer(BufferedReader in) throws IOException {
    while (true) {
      String line = in.readLine();
      if (line == null) {
        throw new IOException("QEMU closed the connection");
      }
      if (line.contains("\"return\"") || line.contains("\"error\"")) {
        return line;
      }
    }
  }
}
