package io.qtune.host.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Unique test partitions and a cleanup that always empties and removes them. */
final class CgroupTestSupport {
    private CgroupTestSupport() {
    }

    static String uniquePartition() {
        return "/qtune-hosttest-" + Long.toHexString(new Random().nextLong() & 0xffffffffL);
    }

    /**
     * Moves every task found below {@code dir} to {@code rootTasksDir}'s group, then removes the
     * tree depth-first. For test cleanup only; best effort, returns problems instead of throwing.
     */
    static List<String> evacuateAndRemove(Path mountDir, Path dir, String tasksFile) {
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return problems;
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.walk(dir)) {
            dirs = new ArrayList<>(s.filter(Files::isDirectory).toList());
        } catch (IOException e) {
            problems.add(e.toString());
            return problems;
        }
        for (Path d : dirs) {
            Path tasks = d.resolve(tasksFile);
            try {
                for (String t : Files.readAllLines(tasks)) {
                    if (!t.isBlank()) {
                        try {
                            CgroupFile.write(mountDir.resolve(tasksFile), t.trim());
                        } catch (CgroupWriteException e) {
                            // ESRCH: the thread exited between the read and the write; nothing to move
                            if (e.errno().orElse(null) != io.qtune.host.Errno.ESRCH) {
                                problems.add(e.getMessage());
                            }
                        } catch (RuntimeException e) {
                            problems.add(e.getMessage());
                        }
                    }
                }
            } catch (IOException e) {
                // no tasks file (already gone)
            }
        }
        dirs.sort((a, b) -> b.getNameCount() - a.getNameCount());
        for (Path d : dirs) {
            try {
                Files.deleteIfExists(d);
            } catch (IOException e) {
                problems.add(d + ": " + e.getMessage());
            }
        }
        return problems;
    }
}
