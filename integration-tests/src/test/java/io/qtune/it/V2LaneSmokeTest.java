package io.qtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Proves the v2 lane gives the tests a real cgroup v2 host: the unified hierarchy at
 * /sys/fs/cgroup with cpu and cpuset, threaded subgroups, thread placement and cpu.max.
 *
 * <p>Runs inside the guest of {@code integration-tests/v2-lane/run}; anywhere /sys/fs/cgroup is
 * not a cgroup2 mount (the hybrid development host, where it is a writable tmpfs) it is skipped,
 * so it never writes plain files that merely look like cgroup files.
 */
@Tag("v2")
class V2LaneSmokeTest {

    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    private static final String THREAD_NAME = "qtune-v2smoke";

    private final Deque<Path> created = new ArrayDeque<>();
    private String originalGroup;
    private Thread parked;
    private CountDownLatch release;

    @BeforeEach
    void requireCgroup2() throws IOException {
        assumeTrue(Files.isDirectory(ROOT), "no " + ROOT);
        String type = Files.getFileStore(ROOT).type();
        assumeTrue("cgroup2".equals(type), ROOT + " is " + type + ", not cgroup2: not a v2 host");
    }

    @AfterEach
    void removeEverything() throws Exception {
        try {
            if (originalGroup != null) {
                // the whole JVM back where it was, so the groups below become empty
                write(ROOT.resolve(originalGroup.substring(1)).resolve("cgroup.procs"), pid());
            }
        } finally {
            if (release != null) {
                release.countDown();
                parked.join(10_000);
            }
            while (!created.isEmpty()) {
                Files.deleteIfExists(created.pop()); // rmdir, deepest first
            }
        }
    }

    @Test
    void threadedChildTakesARealJvmThreadAndAppliesCpuMax() throws Exception {
        assertEquals("cgroup2", Files.getFileStore(ROOT).type());
        Set<String> controllers = words(ROOT.resolve("cgroup.controllers"));
        assertTrue(controllers.containsAll(List.of("cpu", "cpuset")), "root controllers: " + controllers);
        assertTrue(words(ROOT.resolve("cgroup.subtree_control")).containsAll(List.of("cpu", "cpuset")),
                "the lane enables +cpu +cpuset at the root");

        originalGroup = ownGroup();
        Path domain = mkdir(ROOT.resolve("qtune-it-v2smoke-" + Integer.toHexString(ThreadLocalRandom.current().nextInt())));
        // processes first, controllers after: a domain child of a group with threaded
        // controllers enabled could not take processes any more (EOPNOTSUPP)
        write(domain.resolve("cgroup.procs"), pid());
        assertEquals(domain, ROOT.resolve(ownGroup().substring(1)));

        Path vcpu = mkdir(domain.resolve("vcpu0"));
        write(vcpu.resolve("cgroup.type"), "threaded");
        assertEquals("threaded", read(vcpu.resolve("cgroup.type")));
        assertEquals("domain threaded", read(domain.resolve("cgroup.type")));
        write(domain.resolve("cgroup.subtree_control"), "+cpu +cpuset");
        assertTrue(words(domain.resolve("cgroup.subtree_control")).containsAll(List.of("cpu", "cpuset")));

        String tid = startParkedThread();
        write(vcpu.resolve("cgroup.threads"), tid);
        assertTrue(lines(vcpu.resolve("cgroup.threads")).contains(tid), "tid " + tid + " in cgroup.threads");
        assertEquals("0::/" + ROOT.relativize(vcpu), read(Path.of("/proc/self/task", tid, "cgroup")));

        write(vcpu.resolve("cpu.max"), "50000 100000");
        assertEquals("50000 100000", read(vcpu.resolve("cpu.max")));

        String lastCpu = lastCpu(read(ROOT.resolve("cpuset.cpus.effective")));
        write(vcpu.resolve("cpuset.cpus"), lastCpu);
        assertEquals(lastCpu, read(vcpu.resolve("cpuset.cpus.effective")));
        assertEquals(lastCpu, statusField(tid, "Cpus_allowed_list"), "the thread's own affinity follows cpuset");
    }

    private String startParkedThread() throws Exception {
        release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        parked = new Thread(() -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, THREAD_NAME);
        parked.setDaemon(true);
        parked.start();
        started.await();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            List<String> tids = tasks
                    .filter(t -> THREAD_NAME.equals(readQuietly(t.resolve("comm"))))
                    .map(t -> t.getFileName().toString())
                    .collect(Collectors.toList());
            assertEquals(1, tids.size(), "threads named " + THREAD_NAME + ": " + tids);
            return tids.get(0);
        }
    }

    private Path mkdir(Path group) throws IOException {
        Files.createDirectory(group);
        created.push(group);
        return group;
    }

    private static String ownGroup() throws IOException {
        // cgroup v2 only: a single "0::/path" line
        String line = read(Path.of("/proc/self/cgroup"));
        assertTrue(line.startsWith("0::/"), "/proc/self/cgroup: " + line);
        return line.substring(3);
    }

    private static String statusField(String tid, String field) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/task", tid, "status")).stream()
                .filter(l -> l.startsWith(field + ":"))
                .map(l -> l.substring(field.length() + 1).trim())
                .findFirst().orElseThrow();
    }

    private static String lastCpu(String list) {
        String last = list.substring(list.lastIndexOf(',') + 1);
        return last.substring(last.lastIndexOf('-') + 1);
    }

    private static String pid() {
        return Long.toString(ProcessHandle.current().pid());
    }

    private static void write(Path file, String value) throws IOException {
        Files.writeString(file, value);
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
    }

    private static String readQuietly(Path file) {
        try {
            return read(file);
        } catch (IOException e) {
            return ""; // the task exited while we listed
        }
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file);
    }

    private static Set<String> words(Path file) throws IOException {
        return Arrays.stream(read(file).split("\\s+")).collect(Collectors.toSet());
    }
}
