package io.qtune.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.qtune.qmp.QmpClient;
import io.qtune.qmp.QmpCommandException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;

/**
 * Where a hotplugged PCI device goes. A conventional PCI root bus (i440fx's {@code pci.0}) takes
 * hotplug, so QEMU chooses the slot. A PCIe root bus (q35's {@code pcie.0}) does not: like libvirt,
 * qtune puts the device into a free hotpluggable PCIe port, found in the QOM tree (a port whose
 * secondary bus has no device on it). {@code query-pci} cannot tell: it lists nothing behind a
 * bridge until the guest's firmware has numbered its bus, and a paused VM's never has.
 */
final class PciHotplug {
  /** The hotpluggable PCIe port types libvirt uses: root ports and switch downstream ports. */
  static final Set<String> PORT_TYPES = Set.of("pcie-root-port", "ioh3420", "xio3130-downstream");
  static final String PORT_EXAMPLE = "-device pcie-root-port,id=rp1,chassis=1,slot=1,bus=pcie.0";
  private static final List<String> CONTAINERS = List.of("/machine/peripheral", "/machine/peripheral-anon");

  private PciHotplug() {}

  /** A PCIe port: its QOM path, its secondary bus's name, and what holds it (null when free). */
  record Port(String path, String name, String bus, boolean hotplug, String occupant) {}

  /**
   * The bus to name in {@code device_add} for {@code device}, or empty to let QEMU choose (a
   * conventional PCI root bus). On a PCIe machine without a free port: {@link InvalidInputException}
   * that says how to add ports.
   */
  static Optional<String> busFor(QmpClient qmp, String device) {
    if (!hasPcieRoot(qmp)) {
      return Optional.empty();
    }
    List<Port> ports = ports(qmp);
    List<String> taken = new ArrayList<>();
    for (Port p : ports) {
      if (!p.hotplug()) {
        taken.add(p.name() + " (hotplug=off)");
      } else if (p.occupant() != null) {
        taken.add(p.name() + " (holds " + p.occupant() + ")");
      } else {
        return Optional.of(p.bus());
      }
    }
    throw new InvalidInputException("no free hotpluggable PCIe port for " + device + ": the PCIe root bus"
        + " (q35's pcie.0) does not support hotplug, so a hotplugged device needs an empty pcie-root-port, and "
        + (ports.isEmpty() ? "this VM has none" : "every one is taken: " + String.join(", ", taken))
        + ". Start QEMU with one port per device to hotplug, each with its own id and chassis/slot, e.g. "
        + PORT_EXAMPLE);
  }

  /** Whether the machine's PCI host bridge has a PCIe root bus ({@code child<PCIE>}). */
  static boolean hasPcieRoot(QmpClient qmp) {
    for (JsonNode c : list(qmp, "/machine")) {
      String type = c.path("type").asText("");
      if (type.startsWith("child<") && type.toLowerCase(java.util.Locale.ROOT).contains("pcihost")) {
        for (JsonNode b : list(qmp, "/machine/" + c.path("name").asText())) {
          if (b.path("type").asText("").equals("child<PCIE>")) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** Every PCIe port device (named or anonymous), in name order (rp1, rp2, ..., rp10). */
  static List<Port> ports(QmpClient qmp) {
    List<Port> out = new ArrayList<>();
    for (String container : CONTAINERS) {
      for (JsonNode c : list(qmp, container)) {
        String type = c.path("type").asText("");
        if (!type.startsWith("child<") || !PORT_TYPES.contains(type.substring(6, type.length() - 1))) {
          continue;
        }
        String name = c.path("name").asText();
        String path = container + "/" + name;
        String bus = null;
        for (JsonNode p : list(qmp, path)) {
          if (p.path("type").asText("").equals("child<PCIE>")) {
            bus = p.path("name").asText();
          }
        }
        if (bus == null) {
          continue;
        }
        String occupant = null;
        for (JsonNode p : list(qmp, path + "/" + bus)) {
          String ptype = p.path("type").asText("");
          if (p.path("name").asText("").startsWith("child[") && ptype.startsWith("link<")) {
            occupant = "a " + ptype.substring(5, ptype.length() - 1);
          }
        }
        out.add(new Port(path, name, bus, hotplug(qmp, path), occupant));
      }
    }
    out.sort(Comparator.comparingInt((Port p) -> p.name().length()).thenComparing(Port::name));
    return out;
  }

  private static boolean hotplug(QmpClient qmp, String path) {
    try {
      return qmp.qomGet(path, "hotplug").join().asBoolean(true);
    } catch (CompletionException e) {
      if (e.getCause() instanceof QmpCommandException q && Disks.isPropertyNotFound(q, "hotplug")) {
        return true; // QEMU before 6.0 has no 'hotplug' switch: every port takes hotplug
      }
      throw e;
    }
  }

  private static JsonNode list(QmpClient qmp, String path) {
    return qmp.execute("qom-list", Map.of("path", path)).join();
  }
}
