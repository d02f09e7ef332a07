package io.qtune.qmp.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.qtune.qmp.QmpProtocolException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line (already split by {@code LineBasedFrameDecoder}) to one JSON object. Anything that is
 * not a JSON object is a fatal {@link QmpProtocolException}: after garbage the stream cannot be
 * trusted to pair replies with commands.
 */
public final class JsonLineDecoder extends MessageToMessageDecoder<ByteBuf> {
  /** Monitor traffic logger, the analogue of libvirt's QEMU_MONITOR_IO_* debug lines. */
  public static final Logger TRAFFIC = LoggerFactory.getLogger("io.qtune.qmp.traffic");

  private final Path socketPath;

  public JsonLineDecoder(Path socketPath) {
    this.socketPath = socketPath;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf line, List<Object> out) {
    if (TRAFFIC.isDebugEnabled()) {
      TRAFFIC.debug("{} <- {}", socketPath, line.toString(StandardCharsets.UTF_8));
    }
    if (!line.isReadable()) {
      return; // tolerate blank lines
    }
    JsonNode node;
    try {
      node = QmpJson.MAPPER.readTree((java.io.InputStream) new ByteBufInputStream(line));
    } catch (JsonProcessingException e) {
      throw new QmpProtocolException(socketPath, "Malformed JSON from QMP server " + socketPath + ": "
          + e.getOriginalMessage() + " in line '" + abbreviate(line) + "'", e);
    } catch (IOException e) {
      throw new QmpProtocolException(socketPath, "Unreadable line from QMP server " + socketPath, e);
    }
    if (node == null || !node.isObject()) {
      throw new QmpProtocolException(socketPath, "QMP server " + socketPath
          + " sent a line that is not a JSON object: '" + abbreviate(line) + "'");
    }
    out.add(node);
  }

  private static String abbreviate(ByteBuf line) {
    int len = line.writerIndex();
    String s = line.toString(0, Math.min(len, 200), StandardCharsets.UTF_8);
    return len > 200 ? s + "...(" + len + " bytes)" : s;
  }
}
