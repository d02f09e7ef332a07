package io.qtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qtune.testkit.CgroupView;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.TestTime;
import io.qtune.testkit.ThreadProbe;
import io.qtune.it.QtuneCommand.Result;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code apply --plan} and {@code launch --plan} with the built {@code ./qtune} on a real QEMU: two
 * dedicated vCPUs on this host end on two distinct CPUs, in their vcpuN cpuset and their affinity.
 */
class PlanCliTest extends CliAgainstQemu {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CgroupView CG = CgroupView.live();

  @Test
  void applyPlanGivesEachVcpuItsOwnCpu() throws Exception {
    Result r = qtune.run("--json", "apply", "--plan", "--vcpus", "2", "--cpu-policy", "dedicated");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.err().contains("qtune: plan: why:"), "the plan's decisions go to stderr\n" + r);
    String domain = JSON.readTree(r.out()).get("domain_path").asText();
    JsonNode vcpus = JSON.readTree(qtune.run("--json", "vcpuinfo").out());
    assertDistinctSingleCpus(qemu.pid(), domain, vcpus);
  }

  @Test
  void applyPlanRefusesAVcpuCountTheVmDoesNotHave() {
    Result r = qtune.run("apply", "--plan", "--vcpus", "3");
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.err().contains("--vcpus 3 but the VM has 2 vCPUs"), r.toString());
  }

  @Test
  void launchPlanPlacesBeforeTheGuestRuns() throws Exception {
    String name = "clitest-plan-" + UUID.randomUUID().toString().substring(0, 6);
    Path state = tmp.resolve("launch-state");
    QtuneCommand q = new QtuneCommand("--json", "--name", name, "--state-dir", state.toString(),
        "--partition", sandbox.partition());
    List<String> args = new ArrayList<>(List.of("launch", "--plan", "--cpu-policy", "dedicated", "--paused", "--"));
    args.addAll(List.of("qemu-system-x86_64", "-accel", QemuProcess.accel(), "-machine", "pc", "-smp", "2",
        "-m", "64", "-nodefaults", "-display", "none"));
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
      String domain = vm.get("domain_path").asText();
      QtuneCommand byName = new QtuneCommand("--name", name, "--state-dir", state.toString(),
          "--partition", sandbox.partition());
      Result info = byName.run("--json", "vcpuinfo");
      assertEquals(0, info.code(), info.toString());
      assertDistinctSingleCpus(pid, domain, JSON.readTree(info.out()));

      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
      assertTrue(launcher.waitFor(TestTime.millis(30), TimeUnit.MILLISECONDS), "launch did not end with QEMU");
      String stderr = err.join();
      assertEquals(0, launcher.exitValue(), stderr);
      assertTrue(stderr.contains("qtune: plan: vcpupin"), stderr);
      assertFalse(CG.existsAnywhere(domain), "groups of the launched VM left behind");
    } finally {
      if (pid > 0) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      launcher.destroyForcibly();
      launcher.waitFor(TestTime.millis(10), TimeUnit.MILLISECONDS);
    }
  }

  /** vCPU n: one CPU in vcpuN/cpuset.cpus, the same in its Cpus_allowed_list, no two vCPUs alike. */
  private static void assertDistinctSingleCpus(int pid, String domain, JsonNode vcpus) {
    Set<String> seen = new HashSet<>();
    assertEquals(2, vcpus.size(), vcpus.toString());
    for (JsonNode v : vcpus) {
      int n = v.get("vcpu").asInt();
      String cpuset = CG.cpus(domain + "/vcpu" + n);
      assertTrue(cpuset.matches("\\d+"), "vcpu" + n + " cpuset " + cpuset);
      assertEquals(cpuset, ThreadProbe.cpusAllowedList(pid, v.get("tid").asInt()), "vcpu" + n + " affinity");
      assertTrue(seen.add(cpuset), "vCPUs share CPU " + cpuset);
    }
  }
}
