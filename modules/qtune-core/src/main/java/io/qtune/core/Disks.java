package io.qtune.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.qtune.qmp.QmpClient;
import io.qtune.qmp.model.CpuInstanceProperties;
import io.qtune.qmp.model.HotpluggableCpu;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;

/** virtio-blk disks on iothreads (blockdev-add + device_add), and QMP device plumbing. */
final class Disks {
  private static final Pattern TARGET = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,30}");
  private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};

  static final Comparator<HotpluggableCpu> SLOT_ORDER = Comparator
      .comparing((HotpluggableCpu h) -> nz(h.props().socketId()))
      .thenComparing(h -> nz(h.props().dieId()))
      .thenComparing(h -> nz(h.props().clusterId()))
      .thenComparing(h -> nz(h.props().coreId()))
      .thenComparing(h -> nz(h.props().threadId()));

  private Disks() {}

  private static int nz(Integer i) {
    return i == null ? 0 : i;
  }

  static void putProps(Map<String, Object> out, CpuInstanceProperties p) {
    if (p.nodeId() != null) {
      out.put("node-id", p.nodeId());
    }
    if (p.socketId() != null) {
      out.put("socket-id", p.socketId());
    }
    if (p.dieId() != null) {
      out.put("die-id", p.dieId());
    }
    if (p.clusterId() != null) {
      out.put("cluster-id", p.clusterId());
    }
    if (p.coreId() != null) {
      out.put("core-id", p.coreId());
    }
    if (p.threadId() != null) {
      out.put("thread-id", p.threadId());
    }
  }

  static String nodeName(String target) {
    return "qtune-" + target;
  }

  static void attach(QmpClient qmp, Path file, String target, String iothread) {
    if (!TARGET.matcher(target).matches()) {
      throw new InvalidInputException("disk target '" + target
          + "' must start with a letter and hold only letters, digits, '-' and '_' (at most 31)");
    }
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException("disk image " + file + " does not exist or is not a regular file");
    }
    String format;
    try {
      byte[] head;
      try (java.io.InputStream in = Files.newInputStream(file)) {
        head = java.util.Arrays.copyOf(in.readNBytes(4), 4);
      }
      format = java.util.Arrays.equals(head, QCOW2_MAGIC) ? "qcow2" : "raw";
    } catch (IOException e) {
      throw new InvalidInputException("cannot read disk image " + file + ": " + e.getMessage());
    }
    String fileNode = nodeName(target) + "-file";
    Map<String, Object> proto = new LinkedHashMap<>();
    proto.put("driver", "file");
    proto.put("node-name", fileNode);
    proto.put("filename", file.toAbsolutePath().toString());
    qmp.blockdevAdd(proto).join();
    try {
      Map<String, Object> fmt = new LinkedHashMap<>();
      fmt.put("driver", format);
      fmt.put("node-name", nodeName(target));
      fmt.put("file", fileNode);
      qmp.blockdevAdd(fmt).join();
      try {
        Map<String, Object> dev = new LinkedHashMap<>();
        dev.put("driver", "virtio-blk-pci");
        dev.put("id", target);
        dev.put("drive", nodeName(target));
        dev.put("iothread", iothread);
        qmp.deviceAdd(dev).join();
      } catch (CompletionException e) {
        qmp.blockdevDel(nodeName(target)).join();
        throw e;
      }
    } catch (CompletionException e) {
      qmp.blockdevDel(fileNode).join();
      throw new OperationFailedException("attaching " + file + " as '" + target + "' failed: "
          + e.getCause().getMessage() + " (changes rolled back)", e.getCause());
    }
  }

  static void detach(QmpClient qmp, String target, Duration timeout) {
    List<String> disks = attached(qmp);
    if (!disks.contains(target)) {
      throw new InvalidInputException("no disk '" + target + "' attached by qtune (attached: "
          + (disks.isEmpty() ? "none" : String.join(", ", disks)) + ")");
    }
    var deleted = qmp.awaitEvent(ev -> ev.name().equals("DEVICE_DELETED")
        && target.equals(ev.data().path("device").asText(null)), timeout);
    qmp.deviceDel(target).join();
    try {
      deleted.join();
    } catch (CompletionException e) {
      // finish the job if the guest releases the device later: drop the block nodes then
      qmp.awaitEvent(ev -> ev.name().equals("DEVICE_DELETED")
          && target.equals(ev.data().path("device").asText(null)), Duration.ofHours(24))
          .thenCompose(ev -> qmp.blockdevDel(nodeName(target)))
          .thenCompose(x -> qmp.blockdevDel(nodeName(target) + "-file"));
      throw new OperationFailedException("the guest did not release disk '" + target + "' within "
          + timeout.toMillis() + " ms (PCI unplug needs the guest's cooperation: a paused or"
          + " booting guest cannot answer); the unplug stays requested and qtune removes the disk's"
          + " block nodes when the guest releases it", e.getCause());
    }
    qmp.blockdevDel(nodeName(target)).join();
    qmp.blockdevDel(nodeName(target) + "-file").join();
  }

  /** The disk targets attached by qtune: block nodes named {@code qtune-<target>}. */
  static List<String> attached(QmpClient qmp) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : qmp.execute("query-named-block-nodes", Map.of("flat", true)).join()) {
      String name = n.path("node-name").asText("");
      if (name.startsWith("qtune-") && !name.endsWith("-file")) {
        out.add(name.substring("qtune-".length()));
      }
    }
    return out;
  }

  /** The devices whose {@code iothread} property names {@code iothreadId}. */
  static List<String> usersOf(QmpClient qmp, String iothreadId) {
    List<String> users = new ArrayList<>();
    JsonNode list = qmp.execute("qom-list", Map.of("path", "/machine/peripheral")).join();
    for (JsonNode child : list) {
      String type = child.path("type").asText("");
      if (!type.startsWith("child<")) {
        continue;
      }
      String id = child.path("name").asText();
      try {
        JsonNode io = qmp.qomGet("/machine/peripheral/" + id, "iothread").join();
        // link properties read back as the object path, /objects/iothreadN
        if (io != null && (iothreadId.equals(io.asText()) || io.asText().endsWith("/" + iothreadId))) {
          users.add(id);
        }
      } catch (CompletionException e) {
        // a device without an iothread property
      }
    }
    return users;
  }
}
