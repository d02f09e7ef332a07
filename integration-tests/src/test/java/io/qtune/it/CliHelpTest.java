package io.qtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.it.QtuneCommand.Result;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Help as virsh gives it ({@code virsh help vcpupin}, {@code virsh vcpupin --help}): every verb's
 * usage on stdout with exit 0, from the built {@code ./qtune}. Needs no QEMU.
 */
class CliHelpTest {
  private static final List<String> VERBS = List.of("nodecpumap", "topology", "vcpuinfo", "vcpupin",
      "emulatorpin", "iothreadinfo", "iothreadadd", "iothreaddel", "iothreadpin", "schedinfo", "setvcpus",
      "attach-disk", "detach-disk", "apply", "diff", "launch", "ps", "reconcile", "gc", "shell");

  @BeforeAll
  static void built() {
    assertTrue(Files.isExecutable(QtuneCommand.launcher()), "./qtune missing");
  }

  @Test
  void everyVerbsHelpOptionPrintsItsUsage() {
    for (String verb : VERBS) {
      assertUsage(verb, new QtuneCommand().run(verb, "--help"));
    }
  }

  @Test
  void helpVerbPrintsThatVerbsUsage() {
    for (String verb : VERBS) {
      assertUsage(verb, new QtuneCommand().run("help", verb));
    }
  }

  @Test
  void helpAlonePrintsTheTopLevelUsage() {
    Result r = new QtuneCommand().run("help");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().startsWith("Usage: qtune "), r.toString());
    assertTrue(r.out().contains("vcpupin"), "the verbs are listed\n" + r);
    assertEquals("", r.err(), r.toString());
  }

  @Test
  void helpOfAnUnknownVerbIsBadInput() {
    Result r = new QtuneCommand().run("help", "nosuchverb");
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.err().startsWith("error: "), r.toString());
    assertTrue(r.err().contains("nosuchverb"), r.toString());
    assertEquals("", r.out(), r.toString());
  }

  private static void assertUsage(String verb, Result r) {
    assertEquals(0, r.code(), verb + "\n" + r);
    assertTrue(r.out().startsWith("Usage: qtune " + verb), verb + "\n" + r);
    assertEquals("", r.err(), verb + "\n" + r);
  }
}
