package io.qtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.CgroupView;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import io.qtune.testkit.ThreadProbe;
import io.qtune.it.QtuneCommand.Result;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The round trip of issue 14 section 3: libvirt-oracle-domain.xml (the domain behind
 * libvirt-oracle-observations.md, copied to test resources as libvirt/oracle1.xml) imported with
 * {@code import-xml} and launched with {@code launch --libvirt-xml} on a real QEMU gives the tree
 * libvirt 9.0 gave on this host. The domain names CPUs 0 and 1 only, which this 2-CPU host has.
 */
class LibvirtXmlCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CgroupView CG = CgroupView.live();
  static CgroupSandbox sandbox;

  @TempDir
  Path tmp;

  @BeforeAll
  static void sandbox() {
    assertTrue(Files.isExecutable(QtuneCommand.launcher()), "./qtune missing");
    sandbox = new CgroupSandbox("xmltest");
  }

  @AfterAll
  static void removeSandbox() {
    sandbox.close();
    assertEquals(List.of(), sandbox.leftovers(), "partition left behind");
  }

  /** The oracle domain under a name of this run's own. */
  private Path oracle(String name) throws Exception {
    try (InputStream in = getClass().getResourceAsStream("/libvirt/oracle1.xml")) {
      String xml = new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .replace("<name>oracle1</name>", "<name>" + name + "</name>");
      Path f = tmp.resolve(name + ".xml");
      Files.writeString(f, xml);
      return f;
    }
  }

  @Test
  void importXmlPrintsTheSpecAndItsJsonIsASpecFile() throws Exception {
    Path xml = oracle("xmlimport");
    QtuneCommand q = new QtuneCommand("--state-dir", tmp.resolve("s").toString(), "--partition", sandbox.partition());
    Result text = q.run("import-xml", xml.toString());
    assertEquals(0, text.code(), text.toString());
    assertEquals("", text.err(), text.toString());
    assertEquals("""
        name             xmlimport
        vcpus            2 of 4 (QEMU -smp 2,maxcpus=4)
        iothread         1
        iothread         2
        vcpupin          0 0
        vcpupin          1 1
        emulatorpin      1
        iothreadpin      1 1
        shares           2048
        period           100000
        quota            50000
        global_period    100000
        global_quota     180000
        emulator_period  200000
        emulator_quota   60000
        iothread_period  100000
        iothread_quota   40000

        """, text.out());

    Result json = q.run("--json", "import-xml", xml.toString());
    assertEquals(0, json.code(), json.toString());
    JsonNode spec = JSON.readTree(json.out());
    assertEquals(180000, spec.get("global_quota").asInt());
    assertEquals("1", spec.get("iothreadpin").get(0).get("cpuset").asText());
    // the JSON is a spec file apply/launch take as it is: diff validates it without a VM error
    Path specFile = tmp.resolve("spec.json");
    Files.writeString(specFile, json.out());
    assertEquals(spec, JSON.readTree(Files.readString(specFile)));

    // what qtune does not do: one warning on stderr, the spec still printed
    Path cachetune = tmp.resolve("cachetune.xml");
    Files.writeString(cachetune, Files.readString(xml).replace("</cputune>",
        "<cachetune vcpus='0'><cache id='0' level='3' type='both' size='1' unit='MiB'/></cachetune></cputune>"));
    Result warned = q.run("import-xml", cachetune.toString());
    assertEquals(0, warned.code(), warned.toString());
    assertEquals("warning: " + cachetune + ": not imported (qtune does not do these): <cputune><cachetune> "
        + "(resctrl cache/memory bandwidth allocation)\n", warned.err());

    // invalid input names the element and exits 2
    Path bad = tmp.resolve("bad.xml");
    Files.writeString(bad, Files.readString(xml).replace("<vcpupin vcpu='1' cpuset='1'/>", "<vcpupin vcpu='1' cpuset='7'/>"));
    Result refused = q.run("import-xml", bad.toString());
    assertEquals(2, refused.code(), refused.toString());
    assertTrue(refused.err().startsWith("error: " + bad + ": <cputune><vcpupin>: CPU 7 in cpulist '7' exceed"),
        refused.toString());
  }

  @Test
  void launchWithTheOracleDomainGivesLibvirtsTree() throws Exception {
    String name = "xmllaunch-" + UUID.randomUUID().toString().substring(0, 6);
    Path xml = oracle(name);
    Path state = tmp.resolve("launch-state");
    QtuneCommand q = new QtuneCommand("--json", "--state-dir", state.toString(), "--partition", sandbox.partition());
    // no -smp: the domain's <vcpu current='2'>4</vcpu> becomes -smp 2,maxcpus=4
    List<String> args = new ArrayList<>(List.of("launch", "--libvirt-xml", xml.toString(), "--",
        "qemu-system-x86_64", "-accel", QemuProcess.accel(), "-machine", "pc", "-m", "64", "-nodefaults",
        "-display", "none"));
    Process launcher = q.builder(args.toArray(String[]::new)).redirectErrorStream(false).start();
    var err = QtuneCommand.drain(launcher.getErrorStream());
    int pid = -1;
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertNotNull(line, "launch printed nothing; stderr: "
          + (launcher.waitFor(TestTime.millis(5), TimeUnit.MILLISECONDS) ? err.join() : ""));
      JsonNode vm = JSON.readTree(line);
      pid = vm.get("pid").asInt();
      String d = vm.get("domain_path").asText();

      // libvirt-oracle-observations.md, "Layout": values and groups
      if (!CG.v2()) {
        assertEquals(2048, CG.weight(d));
      }
      assertEquals(100000, CG.period(d));
      assertEquals(180000, CG.quota(d));
      assertEquals("1", CG.cpus(d + "/emulator"));
      assertEquals(200000, CG.period(d + "/emulator"));
      assertEquals(60000, CG.quota(d + "/emulator"));
      assertEquals("0", CG.cpus(d + "/vcpu0"));
      assertEquals("1", CG.cpus(d + "/vcpu1"));
      for (String g : List.of("vcpu0", "vcpu1")) {
        assertEquals(100000, CG.period(d + "/" + g));
        assertEquals(50000, CG.quota(d + "/" + g));
      }
      assertEquals("1", CG.cpus(d + "/iothread1"));
      assertEquals(CG.cpus(d), CG.cpus(d + "/iothread2"), "unpinned iothread2 keeps the domain's CPUs");
      for (String g : List.of("iothread1", "iothread2")) {
        assertEquals(100000, CG.period(d + "/" + g));
        assertEquals(40000, CG.quota(d + "/" + g));
      }
      assertFalse(CG.exists(d + "/vcpu2"), "offline vCPUs get no group");
      // thread affinity equals the pin, as libvirt's sched_setaffinity
      assertEquals("1", ThreadProbe.cpusAllowedList(pid, pid));
      QtuneCommand byName = new QtuneCommand("--json", "--name", name, "--state-dir", state.toString(),
          "--partition", sandbox.partition());
      JsonNode vcpus = JSON.readTree(ok(byName.run("vcpuinfo")).out());
      assertEquals(2, vcpus.size(), "vcpuinfo lists the 2 online of 4: " + vcpus);
      assertEquals("0", vcpus.get(0).get("affinity").asText());
      assertEquals("1", vcpus.get(1).get("affinity").asText());
      for (int v = 0; v < 2; v++) {
        int tid = vcpus.get(v).get("tid").asInt();
        assertEquals(d + "/vcpu" + v, CG.groupOf(pid, tid));
        assertEquals(Integer.toString(v), ThreadProbe.cpusAllowedList(pid, tid));
      }

      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
      assertTrue(launcher.waitFor(TestTime.millis(30), TimeUnit.MILLISECONDS), "launch did not end with QEMU");
      assertEquals(0, launcher.exitValue(), err.join());
      assertFalse(CG.existsAnywhere(d), "groups of the launched VM left behind");
    } finally {
      if (pid > 0) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      launcher.destroyForcibly();
      launcher.waitFor(TestTime.millis(10), TimeUnit.MILLISECONDS);
    }
  }

  @Test
  void applyTakesTheDomainInPlaceOfASpec() throws Exception {
    Path xml = oracle("xmlapply");
    try (QemuProcess qemu = QemuProcess.start("2,maxcpus=4", 1)) {
      QtuneCommand q = new QtuneCommand("--json", "--qmp", qemu.socket().toString(), "--state-dir",
          tmp.resolve("s").toString(), "--partition", sandbox.partition());
      JsonNode vm = JSON.readTree(ok(q.run("apply", "--libvirt-xml", xml.toString())).out());
      String d = vm.get("domain_path").asText();
      assertEquals(180000, CG.quota(d));
      assertEquals("1", CG.cpus(d + "/iothread1"));
      assertEquals(40000, CG.quota(d + "/iothread2"), "apply created the domain's second iothread");
      assertEquals("0", CG.cpus(d + "/vcpu0"));
    }
  }

  private static Result ok(Result r) {
    assertEquals(0, r.code(), r.toString());
    assertEquals("", r.err(), r.toString());
    return r;
  }
}
