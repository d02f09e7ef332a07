package io.qtune.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qtune.qmp.QmpClient;
import io.qtune.qmp.QmpCommandException;
import io.qtune.qmp.model.CpuInstanceProperties;
import io.qtune.qmp.model.HotpluggableCpu;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;

/** virtio-blk disks on iothreads (blockdev-add + device_add), and QMP device plumbing. */
final class Disks {
  private static final Pattern TARGET = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,30}");

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

  /**
   * Attaches {@code file} as a virtio-blk disk on {@code iothread}, in the format the caller names:
   * never probed, and a qcow2 image's backing file or external data file is never opened.
   */
  static void attach(QmpClient qmp, Path file, String target, String iothread, DiskFormat format) {
    if (format == null) {
      throw new InvalidInputException("no disk format given for '" + target + "' (allowed: raw, qcow2)");
    }
    if (!TARGET.matcher(target).matches()) {
      throw new InvalidInputException("disk target '" + target
          + "' must start with a letter and hold only letters, digits, '-' and '_' (at most 31)");
    }
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException("disk image " + file + " does not exist or is not a regular file");
    }
    String node = nodeName(target);
    String fileNode = node + "-file";
    Map<String, Object> proto = new LinkedHashMap<>();
    proto.put("driver", "file");
    proto.put("node-name", fileNode);
    proto.put("filename", file.toAbsolutePath().toString());
    UndoLog undo = new UndoLog();
    try {
      // a target qtune attached already is bad input, refused before any change (QEMU would refuse
      // the second blockdev-add only after asking, as a failed operation)
      List<String> present = attached(qmp);
      if (present.contains(target)) {
        throw new InvalidInputException("disk '" + target + "' is attached already (attached: "
            + String.join(", ", present) + ")");
      }
      // where the device goes is settled before the first change: no free port is bad input
      Optional<String> bus = PciHotplug.busFor(qmp, "disk '" + target + "'");
      qmp.blockdevAdd(proto).join();
      undo.add("blockdev-del " + fileNode, () -> qmp.blockdevDel(fileNode).join());
      qmp.execute("blockdev-add", formatNode(format, node, fileNode)).join();
      undo.add("blockdev-del " + node, () -> qmp.blockdevDel(node).join());
      if (format == DiskFormat.QCOW2) {
        refuseDataFile(qmp, node, file);
      }
      Map<String, Object> dev = new LinkedHashMap<>();
      dev.put("driver", "virtio-blk-pci");
      dev.put("id", target);
      dev.put("drive", node);
      dev.put("iothread", iothread);
      bus.ifPresent(b -> dev.put("bus", b));
      qmp.deviceAdd(dev).join();
    } catch (RuntimeException e) {
      int failed = undo.rollback();
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (cause instanceof InvalidInputException inv && failed == 0) {
        throw inv;
      }
      throw new OperationFailedException("attaching " + file + " as '" + target + "' failed: "
          + cause.getMessage() + (failed == 0 ? " (changes rolled back)"
              : " (" + failed + " block node(s) could not be removed; see the log)"), cause);
    }
  }

  /**
   * Whether QEMU's answer to {@code qom-get} means "this object has no such property": class
   * GenericError, {@code Property 'TYPE.NAME' not found} (QEMU since 2020, e.g. 7.2's
   * {@code Property 'pcie-root-port.iothread' not found}; {@code '.NAME'} before). Anything else, a
   * timeout or a closed connection included, is not that answer.
   */
  static boolean isPropertyNotFound(QmpCommandException e, String property) {
    return "GenericError".equals(e.errorClass()) && e.description() != null
        && Pattern.compile("Property '[^']*\\." + Pattern.quote(property) + "' not found")
            .matcher(e.description()).matches();
  }

  /**
   * The format node. For qcow2, {@code "backing": null}: QEMU would otherwise open whatever
   * backing file the image's header names (libvirt always gives the chain explicitly; qtune has no
   * chain support, so a backing file is never opened and unallocated clusters read as zeros).
   */
  static ObjectNode formatNode(DiskFormat format, String node, String fileNode) {
    ObjectNode fmt = JsonNodeFactory.instance.objectNode();
    fmt.put("driver", format.driver());
    fmt.put("node-name", node);
    fmt.put("file", fileNode);
    if (format == DiskFormat.QCOW2) {
      fmt.putNull("backing");
    }
    return fmt;
  }

  /**
   * QEMU opens an external data file named in a qcow2 header by itself ({@code data-file} cannot be
   * set to null): refuse such an image before any guest sees it; the caller rolls the nodes back.
   */
  private static void refuseDataFile(QmpClient qmp, String node, Path file) {
    for (JsonNode n : qmp.execute("query-named-block-nodes", Map.of("flat", true)).join()) {
      if (node.equals(n.path("node-name").asText())) {
        JsonNode dataFile = n.path("image").path("format-specific").path("data").path("data-file");
        if (!dataFile.isMissingNode() && !dataFile.isNull()) {
          throw new InvalidInputException("qcow2 image " + file + " names an external data file ("
              + dataFile.asText() + "); qtune does not open files an image names (no backing or data"
              + " file), so it cannot attach it");
        }
        return;
      }
    }
    throw new OperationFailedException("block node " + node + " is missing after blockdev-add");
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

  /**
   * The devices whose {@code iothread} property names {@code iothreadId}: by id, or by QOM path for
   * a device created without one ({@code /machine/peripheral-anon}). Fails closed: only QEMU's
   * answer "this device has no property 'iothread'" counts as not using it; any other error, a
   * timeout or a closed connection is {@link OperationFailedException}, so the iothread stays.
   */
  static List<String> usersOf(QmpClient qmp, String iothreadId) {
    return usersOf(qmp, iothreadId, listDevices(qmp));
  }

  private static final List<String> CONTAINERS = List.of("/machine/peripheral", "/machine/peripheral-anon");

  /**
   * Sends the two device listings {@link #usersOf(QmpClient, String, List)} reads, without waiting:
   * a caller sends them behind its own query, so both answers cost one round trip.
   */
  static List<CompletableFuture<JsonNode>> listDevices(QmpClient qmp) {
    return CONTAINERS.stream().map(c -> qmp.execute("qom-list", Map.of("path", c))).toList();
  }

  /** {@link #usersOf(QmpClient, String)} on listings already sent by {@link #listDevices}. */
  static List<String> usersOf(QmpClient qmp, String iothreadId, List<CompletableFuture<JsonNode>> lists) {
    // both containers are listed at once, then every device's iothread read at once: pipelined on
    // the one connection, so the check waits about one round trip per step, not one per command
    List<String> containers = CONTAINERS;
    Map<String, String> labels = new LinkedHashMap<>();
    for (int i = 0; i < containers.size(); i++) {
      String container = containers.get(i);
      JsonNode list;
      try {
        list = lists.get(i).join();
      } catch (CompletionException e) {
        throw cannotTell(iothreadId, "listing the devices in " + container, e);
      }
      for (JsonNode child : list) {
        if (child.path("type").asText("").startsWith("child<")) {
          String name = child.path("name").asText();
          labels.put(container + "/" + name, container.equals("/machine/peripheral") ? name : container + "/" + name);
        }
      }
    }
    Map<String, CompletableFuture<JsonNode>> reads = new LinkedHashMap<>();
    labels.keySet().forEach(path -> reads.put(path, qmp.qomGet(path, "iothread")));
    List<String> users = new ArrayList<>();
    for (Map.Entry<String, CompletableFuture<JsonNode>> r : reads.entrySet()) {
      String label = labels.get(r.getKey());
      JsonNode io;
      try {
        io = r.getValue().join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof QmpCommandException q && isPropertyNotFound(q, "iothread")) {
          continue; // a device without an iothread property
        }
        throw cannotTell(iothreadId, "reading the iothread of device '" + label + "'", e);
      }
      // link properties read back as the object path, /objects/iothreadN
      if (io != null && (iothreadId.equals(io.asText()) || io.asText().endsWith("/" + iothreadId))) {
        users.add(label);
      }
    }
    return users;
  }

  private static OperationFailedException cannotTell(String iothreadId, String what, CompletionException e) {
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    return new OperationFailedException("cannot tell whether a disk uses " + iothreadId + ": " + what
        + " failed (" + cause.getMessage() + "); " + iothreadId + " was not deleted (nothing changed)", cause);
  }
}
