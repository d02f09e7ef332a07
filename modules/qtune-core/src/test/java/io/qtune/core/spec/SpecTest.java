package io.qtune.core.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.core.InvalidInputException;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.sched.SchedPolicy;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The spec's JSON and libvirt's validation rules, on a described host (no VM needed). */
class SpecTest {
  static final HostFacts TWO_CPUS = new HostFacts(CpuSet.parse("0-1"), 2, Set.of(0), false);
  static final SpecValidator V = new SpecValidator(TWO_CPUS);

  @Test
  void readsTheIssueSpecWithLibvirtNames() {
    TuningSpec s = SpecReader.parse("""
        {"name": "vm1", "iothreads": [{"id": 1}, {"id": 2, "poll_max_ns": 32768}],
         "vcpupin": [{"vcpu": 0, "cpuset": "0"}], "emulatorpin": "1",
         "iothreadpin": [{"iothread": 1, "cpuset": "1"}], "shares": 2048,
         "period": 100000, "quota": 50000, "global_period": 100000, "global_quota": 180000,
         "emulator_period": 200000, "emulator_quota": 60000,
         "iothread_period": 100000, "iothread_quota": 40000,
         "vcpusched": [{"vcpus": "0-1", "scheduler": "fifo", "priority": 10}],
         "numatune": {"mode": "strict", "nodeset": "0"}}""");
    ResolvedTuning r = V.resolve(s, new VmFacts(4, Set.of()));
    assertEquals(32768L, s.iothreads().get(1).pollMaxNs());
    assertEquals(CpuSet.parse("1"), r.emulatorPin().orElseThrow());
    assertEquals(CpuSet.parse("0"), r.vcpuPins().get(0));
    assertEquals(SchedPolicy.FIFO, r.vcpuSched().get(1).policy());
    assertEquals(10, r.vcpuSched().get(0).priority());
    assertEquals(180000L, r.globalQuota().orElseThrow());
    assertEquals(CpuSet.parse("0"), r.mems().orElseThrow());
    // round trip through JSON keeps every field
    assertEquals(s, SpecReader.parse(SpecReader.write(s)));
  }

  @Test
  void unknownFieldsAreAllNamed() {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> SpecReader.parse(
        "{\"name\":\"x\",\"vcpu_pin\":[],\"iothreads\":[{\"id\":1,\"poll\":3}],\"numatune\":{\"nodes\":\"0\"}}"));
    assertEquals(3, e.problems().size(), e.problems().toString());
    assertTrue(e.getMessage().contains("unknown field 'vcpu_pin'"));
    assertTrue(e.getMessage().contains("unknown field 'iothreads[0].poll'"));
    assertTrue(e.getMessage().contains("unknown field 'numatune.nodes'"));
  }

  @Test
  void notJsonSaysWhere() {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> SpecReader.parse("{\n\"name\": }"));
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
  }

  @Test
  void everyProblemIsReportedAtOnceWithLibvirtsWords() {
    TuningSpec s = SpecReader.parse("""
        {"vcpupin": [{"vcpu": 9, "cpuset": "0"}, {"vcpu": 0, "cpuset": "7"}, {"vcpu": 1, "cpuset": "1-0"}],
         "emulatorpin": "",
         "iothreadpin": [{"iothread": 9, "cpuset": "0"}],
         "shares": 1, "period": 999, "quota": 999, "global_period": 5000000, "emulator_quota": 500,
         "iothread_period": 2000000,
         "vcpusched": [{"vcpus": "0", "scheduler": "fifo"}, {"vcpus": "1", "scheduler": "batch", "priority": 5},
                       {"vcpus": "0", "scheduler": "deadline"}],
         "numatune": {"mode": "strict", "nodeset": "3"}}""");
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> V.resolve(s, new VmFacts(4, Set.of(1, 2))));
    List<String> expected = List.of(
        "vcpu 9 is out of range of live cpu count 4",
        "CPU 7 in cpulist '7' exceed the maxcpu 2",
        "Failed to parse bitmap '1-0'",
        "Empty cpu list for pinning (emulatorpin)",
        "iothread 9 not found",
        "shares '1' must be in range [2, 262144]",
        "value of 'vcpu_period' is out of range [1000, 1000000]",
        "value of 'vcpu_quota' is out of range [1000, 17592186044415]",
        "value of 'global_period' is out of range [1000, 1000000]",
        "value of 'emulator_quota' is out of range [1000, 17592186044415]",
        "value of 'iothread_period' is out of range [1000, 1000000]",
        "scheduler 'fifo' needs a priority in range [1, 99]",
        "scheduler 'batch' takes no priority",
        "scheduler 'deadline' is not one of batch, idle, fifo, rr",
        "NUMA node 3 does not exist");
    for (String x : expected) {
      assertTrue(e.problems().stream().anyMatch(p -> p.contains(x)), "missing '" + x + "' in " + e.problems());
    }
    assertEquals(expected.size(), e.problems().size(), e.problems().toString());
  }

  @Test
  void onlyStrictAndRestrictiveNumatuneBindCpusetMems() {
    assertEquals(CpuSet.parse("0"), V.resolve(SpecReader.parse(
        "{\"numatune\": {\"mode\": \"restrictive\", \"nodeset\": \"0\"}}"), null).mems().orElseThrow());
    assertTrue(V.resolve(SpecReader.parse(
        "{\"numatune\": {\"mode\": \"interleave\", \"nodeset\": \"0\"}}"), null).mems().isEmpty());
    assertTrue(V.resolve(SpecReader.parse(
        "{\"numatune\": {\"mode\": \"preferred\", \"nodeset\": \"0\"}}"), null).mems().isEmpty());
  }

  @Test
  void zeroMeansUnsetAndNegativeQuotaMeansUnlimited() {
    ResolvedTuning r = V.resolve(SpecReader.parse("{\"period\": 0, \"quota\": -1, \"global_quota\": 0}"), null);
    assertTrue(r.period().isEmpty());
    assertEquals(-1L, r.quota().orElseThrow());
    assertTrue(r.globalQuota().isEmpty());
  }

  @Test
  void weightIsForCgroupV2() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> V.resolve(SpecReader.parse("{\"weight\": 100}"), null));
    assertTrue(e.getMessage().contains("'weight' needs cgroup v2"), e.getMessage());
    SpecValidator v2 = new SpecValidator(new HostFacts(CpuSet.parse("0-1"), 2, Set.of(0), true));
    assertEquals(100L, v2.resolve(SpecReader.parse("{\"weight\": 100}"), null).spec().weight());
    assertThrows(InvalidInputException.class, () -> v2.resolve(SpecReader.parse("{\"weight\": 10001}"), null));
  }
}
