package io.qtune.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.plan.json.MachineInterface;
import io.qtune.plan.json.MachineInterface.Answer;
import org.junit.jupiter.api.Test;

/** The request/answer format of issue 13, as docs/planner.md shows it. */
class MachineInterfaceTest {
    /** 1 socket, 2 NUMA nodes, 2 cores each, SMT 2: cores {0,4} {1,5} on node 0, {2,6} {3,7} on node 1. */
    static final String TOPO = "{\"cpus\":["
            + "{\"cpu\":0,\"core\":0,\"socket\":0,\"numa\":0,\"uncore\":0},"
            + "{\"cpu\":1,\"core\":1,\"socket\":0,\"numa\":0,\"uncore\":0},"
            + "{\"cpu\":2,\"core\":2,\"socket\":0,\"numa\":1,\"uncore\":1},"
            + "{\"cpu\":3,\"core\":3,\"socket\":0,\"numa\":1,\"uncore\":1},"
            + "{\"cpu\":4,\"core\":0,\"socket\":0,\"numa\":0,\"uncore\":0},"
            + "{\"cpu\":5,\"core\":1,\"socket\":0,\"numa\":0,\"uncore\":0},"
            + "{\"cpu\":6,\"core\":2,\"socket\":0,\"numa\":1,\"uncore\":1},"
            + "{\"cpu\":7,\"core\":3,\"socket\":0,\"numa\":1,\"uncore\":null}]}";

    private static Answer ask(String rest) {
        return MachineInterface.answer("{\"topology\":" + TOPO + "," + rest + "}");
    }

    @Test
    void dedicatedWithIsolatedEmulator() {
        Answer a = ask("\"available\":[1,2,3,5,6,7],\"reserved\":[0,4],\"count\":2,"
                + "\"options\":{\"cpu_policy\":\"dedicated\",\"thread_policy\":\"isolate\",\"emulator_threads\":\"isolate\"}");
        assertEquals(0, a.status(), a.json());
        // node 0 has one whole core left, node 1 two: 2 vCPUs + 1 emulator core fit on node 1 only
        assertEquals("{\"cpus\":[2,3],\"pinning\":{\"0\":2,\"1\":3},\"emulator_cpus\":[1]}", a.json());
    }

    @Test
    void stepsSeeLessAvailable() {
        String base = "\"available\":[0,1,2,3,4,5,6,7],\"steps\":[4,2],";
        Answer first = ask(base + "\"step\":0,\"count\":4");
        Answer second = ask(base + "\"step\":1,\"count\":2");
        assertEquals("{\"cpus\":[0,1,4,5],\"pinning\":{\"0\":0,\"1\":4,\"2\":1,\"3\":5}}", first.json());
        assertEquals("{\"cpus\":[2,6],\"pinning\":{\"0\":2,\"1\":6}}", second.json());
    }

    @Test
    void guestNumaCellsAnswerTheirHostNodes() {
        Answer a = ask("\"available\":[0,1,2,3,4,5,6,7],\"count\":3,\"guest_numa\":["
                + "{\"id\":0,\"dedicated_vcpus\":[0,1],\"shared_vcpus\":[]},{\"id\":1,\"dedicated_vcpus\":[2],\"shared_vcpus\":[3]}],"
                + "\"shared\":[],\"options\":{\"cpu_policy\":\"mixed\"}");
        assertEquals(0, a.status(), a.json());
        assertTrue(a.json().contains("\"guest_numa\":[{\"id\":0,\"host_numa\":0},{\"id\":1,\"host_numa\":1}]"), a.json());
    }

    @Test
    void errorsNameTheConstraintAndWhatIsFree() {
        Answer a = ask("\"available\":[1,2,3],\"count\":2,\"options\":{\"thread_policy\":\"require\"}");
        assertEquals(1, a.status());
        assertTrue(a.json().startsWith("{\"error\":\"thread_policy require:"), a.json());
        assertTrue(a.json().contains("free: 3 CPUs (1-3)"), a.json());
        Answer b = ask("\"available\":[0],\"count\":1,\"options\":{\"thread_polcy\":\"require\"}");
        assertEquals(2, b.status());
        assertEquals("{\"error\":\"bad request: unknown field 'thread_polcy' in options\"}", b.json());
        assertEquals(2, MachineInterface.answer("{not json").status());
        assertEquals(2, ask("\"available\":[9],\"count\":1").status());
    }

    @Test
    void zeroCountIsAnEmptyAnswer() {
        assertEquals("{\"cpus\":[]}", ask("\"available\":[],\"count\":0").json());
    }
}
