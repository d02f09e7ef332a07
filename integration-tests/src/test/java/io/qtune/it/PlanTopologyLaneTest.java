package io.qtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qtune.testkit.CgroupSandbox;
import io.qtune.testkit.CgroupView;
import io.qtune.testkit.QemuProcess;
import io.qtune.testkit.ThreadProbe;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.topology.HostTopology;
import io.qtune.it.QtuneCommand.Result;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The planner on a real multi-socket SMT NUMA host: the lane's guest booted with V2_TOPOLOGY and
 * V2_NUMA (docs/v2-lane.md). Skipped anywhere else: it checks the host is exactly what the knobs
 * asked for, then that a VM placed with {@code apply --plan} ends where the plan said.
 */
@Tag("topology")
class PlanTopologyLaneTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern VCPUPIN = Pattern.compile("qtune: plan: vcpupin\\s+(\\d+) (\\S+)");
  private static final Pattern NUMATUNE = Pattern.compile("qtune: plan: numatune\\s+strict (\\S+)");

  @TempDir Path tmp;

  private static int knob(String topology, String key) {
    Matcher m = Pattern.compile("(?:^|,)" + key + "=(\\d+)").matcher(topology);
    return m.find() ? Integer.parseInt(m.group(1)) : 1;
  }

  @Test
  void theHostIsWhatTheKnobsSaidAndThePlanIsWhereThreadsEnd() throws Exception {
    String topology = System.getenv("V2_TOPOLOGY");
    String numa = System.getenv("V2_NUMA");
    assumeTrue(topology != null && numa != null, "only in the lane's guest booted with V2_TOPOLOGY and V2_NUMA");
    int sockets = knob(topology, "sockets");
    int threads = knob(topology, "threads");
    int nodes = Integer.parseInt(numa);

    HostTopology host = HostTopology.read(Path.of("/"));
    assertEquals(sockets, host.packages(), host.smpReport());
    assertEquals(threads, host.threadsPerCore(), host.smpReport());
    assertEquals(nodes, host.nodes().size(), host.smpReport());
    Result topo = new QtuneCommand().run("--json", "topology");
    assertEquals(0, topo.code(), topo.toString());
    JsonNode t = JSON.readTree(topo.out());
    assertEquals(sockets, t.get("packages").asInt(), topo.out());
    assertEquals(threads, t.get("threads_per_core").asInt(), topo.out());
    assertEquals(nodes, t.get("numa_nodes").size(), topo.out());

    try (CgroupSandbox sandbox = new CgroupSandbox("planlane"); QemuProcess qemu = QemuProcess.start("2")) {
      QtuneCommand q = new QtuneCommand("--qmp", qemu.socket().toString(), "--state-dir",
          tmp.resolve("state").toString(), "--partition", sandbox.partition());
      Result r = q.run("--json", "apply", "--plan", "--cpu-policy", "dedicated", "--numa-strategy", "pack");
      assertEquals(0, r.code(), r.toString());
      Map<Integer, String> pins = new HashMap<>();
      for (Matcher m = VCPUPIN.matcher(r.err()); m.find(); ) {
        pins.put(Integer.parseInt(m.group(1)), m.group(2));
      }
      Matcher nt = NUMATUNE.matcher(r.err());
      assertEquals(2, pins.size(), r.err());
      assertEquals(true, nt.find(), "pack plans a numatune: " + r.err());
      String nodeset = nt.group(1);
      assertEquals(1, CpuSet.parse(nodeset).size(), "2 CPUs fit one node: " + r.err());
      int node = Integer.parseInt(nodeset);
      CpuSet nodeCpus = host.nodes().stream().filter(n -> n.id() == node).findFirst().orElseThrow().cpus();

      String domain = JSON.readTree(r.out()).get("domain_path").asText();
      CgroupView cg = CgroupView.live();
      JsonNode vcpus = JSON.readTree(q.run("--json", "vcpuinfo").out());
      for (JsonNode v : vcpus) {
        int n = v.get("vcpu").asInt();
        String planned = pins.get(n);
        assertNotNull(planned, "vcpu" + n + " planned: " + r.err());
        assertEquals(planned, cg.cpus(domain + "/vcpu" + n));
        assertEquals(planned, ThreadProbe.cpusAllowedList(qemu.pid(), v.get("tid").asInt()));
        assertEquals(nodeset, cg.mems(domain + "/vcpu" + n), "vcpu" + n + " memory on the plan's node");
        assertEquals(true, nodeCpus.contains(Integer.parseInt(planned)), "vcpu" + n + " on node " + nodeset);
      }
    }
  }
}
