package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code qtune plan}: the machine interface over stdin/stdout, and the human form on this host. */
class PlanCommandTest {
    private static final String TOPO = "{\"cpus\":[{\"cpu\":0,\"core\":0,\"socket\":0,\"numa\":0,\"uncore\":0},"
            + "{\"cpu\":1,\"core\":0,\"socket\":0,\"numa\":0,\"uncore\":0},"
            + "{\"cpu\":2,\"core\":1,\"socket\":0,\"numa\":0,\"uncore\":0},"
            + "{\"cpu\":3,\"core\":1,\"socket\":0,\"numa\":0,\"uncore\":0}]}";

    private record Run(int status, String out) {
    }

    private static synchronized Run run(String stdin, String... args) {
        InputStream in = System.in;
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            int status = QtuneCli.run(args);
            return new Run(status, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(in);
            System.setOut(out);
        }
    }

    @Test
    void oneRequestOneAnswer() {
        Run r = run("{\"topology\":" + TOPO + ",\n\"available\":[0,1,2,3],\"count\":2,"
                + "\"options\":{\"thread_policy\":\"isolate\"}}", "plan", "--request", "-");
        assertEquals(0, r.status());
        assertEquals("{\"cpus\":[0,2],\"pinning\":{\"0\":0,\"1\":2}}\n", r.out());
    }

    @Test
    void jsonlAnswersLineByLineUntilEof() {
        String ok = "{\"topology\":" + TOPO + ",\"available\":[0,1,2,3],\"count\":1}";
        String tooMany = "{\"topology\":" + TOPO + ",\"available\":[3],\"count\":2}";
        Run r = run(ok + "\n" + tooMany + "\n{broken\n", "plan", "--request", "-", "--jsonl");
        assertEquals(0, r.status());
        String[] lines = r.out().split("\n");
        assertEquals(3, lines.length, r.out());
        assertEquals("{\"cpus\":[0],\"pinning\":{\"0\":0}}", lines[0]);
        assertTrue(lines[1].startsWith("{\"error\":\"count: "), lines[1]);
        assertTrue(lines[2].startsWith("{\"error\":\"bad request: not JSON"), lines[2]);
    }

    @Test
    void aPlanErrorExitsOneABadRequestTwo() {
        assertEquals(1, run("{\"topology\":" + TOPO + ",\"available\":[3],\"count\":2}", "plan", "--request", "-")
                .status());
        assertEquals(2, run("{\"topology\":" + TOPO + "}", "plan", "--request", "-").status());
    }

    @Test
    void humanFormPlansOnThisHost() {
        Run r = run("", "--json", "plan", "--vcpus", "1", "--reserved", "");
        assertEquals(0, r.status(), r.out());
        assertTrue(r.out().startsWith("{\"spec\":{\"vcpupin\":[{\"vcpu\":0,\"cpuset\":\""), r.out());
        assertTrue(r.out().contains("\"decisions\":[\"request: 1 vCPUs"), r.out());
    }
}
