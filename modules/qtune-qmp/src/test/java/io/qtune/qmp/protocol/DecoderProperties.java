package io.qtune.qmp.protocol;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.qtune.qmp.QmpProtocolException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Arbitrary bytes from a QMP peer, cut into arbitrary chunks, through the client's codec (the line
 * framer and JSON decoder of QmpClient's pipeline, in an embedded channel): each chunk yields JSON
 * objects (replies, events) or a typed error (QmpProtocolException, or the framer's
 * TooLongFrameException), never another exception; the embedded channel is synchronous, so a
 * property that returns did not hang.
 */
class DecoderProperties {
  static final int MAX_FRAME = 4096;

  @Provide
  Arbitrary<List<byte[]>> streams() {
    // QMP-ish fragments mixed with raw bytes, so both the framer and the JSON parser are reached
    Arbitrary<byte[]> qmpish = Arbitraries.of("{\"return\": {}}\n", "{\"event\": \"STOP\", \"data\": {}}\n",
        "{\"QMP\": {\"version\": {}}}\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"x\"}}\n",
        "{\"return\": [1, 2", "]}\n", "\n", "\r\n", "[]\n", "42\n", "\"s\"\n", "{\"a\":\n", "\uFFFD\n", "{}\n")
        .map(s -> s.getBytes(StandardCharsets.UTF_8));
    Arbitrary<byte[]> raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    Arbitrary<byte[]> long_ = Arbitraries.integers().between(MAX_FRAME - 2, MAX_FRAME + 10)
        .map(n -> "{\"return\": \"".concat("x".repeat(n)).concat("\"}\n").getBytes(StandardCharsets.UTF_8));
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, qmpish), net.jqwik.api.Tuple.of(4, raw),
        net.jqwik.api.Tuple.of(1, long_)).list().ofMaxSize(12);
  }

  @Property(tries = 400)
  void arbitraryBytesGiveJsonObjectsOrATypedError(@ForAll("streams") List<byte[]> chunks) {
    EmbeddedChannel ch = new EmbeddedChannel(new LineBasedFrameDecoder(MAX_FRAME, true, true),
        new JsonLineDecoder(Path.of("/test/qmp.sock")));
    try {
      for (byte[] chunk : chunks) {
        try {
          ch.writeInbound(Unpooled.wrappedBuffer(chunk));
        } catch (TooLongFrameException typed) {
          continue; // the framer drops the frame and goes on, as QmpClient's pipeline does
        } catch (DecoderException e) {
          assertInstanceOf(QmpProtocolException.class, e.getCause(), String.valueOf(e));
          return; // fatal by design: after garbage the stream is not trusted
        }
        for (Object o = ch.readInbound(); o != null; o = ch.readInbound()) {
          assertTrue(o instanceof JsonNode n && n.isObject(), "a JSON object: " + o);
        }
      }
    } finally {
      ch.finishAndReleaseAll();
    }
  }
}
