package io.qtune.core;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.core.spec.SpecReader;
import io.qtune.core.testing.TestOptions;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VM names come from the spec and from QEMU's own {@code -name} (whoever started QEMU chooses it):
 * each is checked once, with libvirt's rule, before anything is created from it.
 */
@Tag("v2")
class HostileNameTest {
  @TempDir Path root;

  @Test
  void libvirtsRule() {
    for (String bad : List.of("", "a/b", "/../../tmp/x", "..", ".hidden", "tab\there", "nl\nx", "nul\u0000x",
        "del\u007fx", "v".repeat(201), "é".repeat(101))) {
      InvalidInputException e = assertThrows(InvalidInputException.class, () -> VmName.require(bad, "the spec"),
          "accepted " + bad);
      assertTrue(e.getMessage().contains("the spec"), e.getMessage());
    }
    for (String ok : List.of("vm1", "my vm", "café", "a.b-c_d", "v".repeat(200), "x..y", "-dash")) {
      assertDoesNotThrow(() -> VmName.require(ok, "the spec"), ok);
    }
  }

  @Test
  void aHostileNameInTheSpecIsRefusedBeforeAnythingIsWritten() throws Exception {
    Path state = Files.createDirectories(root.resolve("a/state"));
    try (CgroupSandbox sb = new CgroupSandbox("names");
        QemuProcess q = QemuProcess.start("2");
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      CompletionException e = assertThrows(CompletionException.class, () -> qtune.attach(q.socket(),
          SpecReader.parse("{\"name\": \"/../../x\"}")).join());
      assertInstanceOf(InvalidInputException.class, e.getCause(), String.valueOf(e.getCause()));
      assertEquals(List.of(state), filesUnder(root), "nothing written anywhere");
      assertEquals(List.of(), domains(sb));
      // launch refuses it before QEMU starts
      OwnershipTest.refused(qtune.launch(SpecReader.parse("{\"name\": \"a/b\"}"),
          QemuProcess.baseArgs("1"), TestOptions.launch()));
      assertEquals(List.of(state), filesUnder(root), "nothing written anywhere");
    }
  }

  @Test
  void aHostileNameFromQemusOwnDashNameIsRefused() throws Exception {
    Path state = Files.createDirectories(root.resolve("a/state"));
    try (CgroupSandbox sb = new CgroupSandbox("names");
        QemuProcess q = QemuProcess.start("2", List.of("-name", "guest=/../../x"));
        Qtune qtune = Qtune.create(TestOptions.options().withPartition(sb.partition()).withStateDir(state))) {
      CompletionException e = assertThrows(CompletionException.class, () -> qtune.attach(q.socket(),
          SpecReader.parse("{}")).join());
      assertInstanceOf(InvalidInputException.class, e.getCause(), String.valueOf(e.getCause()));
      assertTrue(e.getCause().getMessage().contains("-name"), e.getCause().getMessage());
      assertEquals(List.of(state), filesUnder(root), "nothing written anywhere");
      assertEquals(List.of(), domains(sb));
    }
  }

  @Test
  void lookingUpAHostileNameIsBadInput() {
    StateDir s = new StateDir(root);
    assertThrows(InvalidInputException.class, () -> s.find("../../etc/passwd"));
    assertThrows(InvalidInputException.class, () -> s.file("a/b", ".qmp"));
  }

  private static List<Path> filesUnder(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> !p.equals(root) && !p.equals(root.resolve("a"))).sorted().toList();
    }
  }

  private static List<Path> domains(CgroupSandbox sb) throws IOException {
    return RollbackTest.domainGroups(sb);
  }
}
