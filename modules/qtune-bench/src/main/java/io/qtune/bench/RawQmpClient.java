package io.qtune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The JDK baseline: a minimal blocking QMP client on a JDK 17 {@code SocketChannel(UNIX)} with
 * Jackson {@code readTree}, no threads, no futures, no timeouts. Same wire traffic as qtune's client
 * (OOB negotiated, string ids).
 */
public final class RawQmpClient implements AutoCloseable {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final SocketChannel ch;
  private final ByteBuffer in = ByteBuffer.allocate(1 << 16);
  private long ids;

  public RawQmpClient(Path socket) throws IOException {
    ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    ch.connect(UnixDomainSocketAddress.of(socket));
    in.flip();
    readMessage(); // greeting
    send("{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"oob\"]}}\n");
    readMessage();
  }

  /** Sends {@code command} and returns its reply (events are not expected on a paused VM). */
  public JsonNode execute(String command) throws IOException {
    sendCommand(command);
    return readMessage();
  }

  public void sendCommand(String command) throws IOException {
    send("{\"execute\":\"" + command + "\",\"id\":\"raw-" + (++ids) + "\"}\n");
  }

  private void send(String line) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /** Reads one line and parses it. */
  public JsonNode readMessage() throws IOException {
    for (;;) {
      for (int i = in.position(); i < in.limit(); i++) {
        if (in.get(i) == '\n') {
          int start = in.position();
          in.position(i + 1);
          return MAPPER.readTree(in.array(), start, i - start);
        }
      }
      in.compact();
      if (ch.read(in) < 0) {
        throw new IOException("QMP closed the connection");
      }
      in.flip();
    }
  }

  @Override
  public void close() throws IOException {
    ch.close();
  }
}
