package io.qtune.host.cgroup;

import io.qtune.host.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** Raw cgroupfs I/O with typed errors that name the file, the value and the errno. */
final class CgroupFile {
    private CgroupFile() {
    }

    /**
     * Writes {@code value}, opening without CREATE: cgroupfs refuses O_CREAT (EACCES), and a
     * missing file must fail as ENOENT rather than be created. TRUNCATE_EXISTING is a no-op on
     * cgroupfs (as for the shell's {@code >}) and keeps plain-file test trees exact.
     */
    static void write(Path file, String value) {
        Errno injected = io.qtune.host.KernelFaults.check("write", file, value);
        if (injected != null) {
            throw new CgroupWriteException(file, value, injected, "injected by a test", null);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            // an empty buffer would make no write(2) at all; "\n" is how the kernel reads "empty"
            ByteBuffer buf = ByteBuffer.wrap((value.isEmpty() ? "\n" : value).getBytes(StandardCharsets.US_ASCII));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        } catch (IOException e) {
            Errno errno = Errno.of(e).orElse(null);
            throw new CgroupWriteException(file, value, errno, explain(file, value, errno), e);
        }
    }

    static String read(Path file) {
        try {
            String s = io.qtune.host.HostFiles.slurp(file, StandardCharsets.US_ASCII);
            return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
        } catch (IOException e) {
            Errno errno = Errno.of(e).orElse(null);
            String why = errno == Errno.ENOENT
                    ? "ENOENT: no such file; the controller is not enabled for this group or the group is gone"
                    : (errno == null ? String.valueOf(e.getMessage()) : errno.name() + " (" + errno.text() + ")");
            throw new CgroupReadException(file, why, errno, e);
        }
    }

    static long readLong(Path file) {
        String s = read(file).trim();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new CgroupReadException(file, "expected a number, found '" + s + "'", null, e);
        }
    }

    static List<Integer> readIds(Path file) {
        List<Integer> out = new ArrayList<>();
        for (String line : read(file).split("\n")) {
            String t = line.trim();
            if (!t.isEmpty()) {
                try {
                    out.add(Integer.parseInt(t));
                } catch (NumberFormatException e) {
                    throw new CgroupReadException(file, "expected one id per line, found '" + t + "'", null, e);
                }
            }
        }
        return out;
    }

    /** Like {@link #readIds}, empty when the group directory is gone. */
    static List<Integer> readIdsIfPresent(Path file) {
        try {
            return readIds(file);
        } catch (CgroupReadException e) {
            if (e.errno().orElse(null) == Errno.ENOENT || !Files.isDirectory(file.getParent())) {
                return List.of();
            }
            throw e;
        }
    }

    /** Creates a group directory; false when it already existed. */
    static boolean mkdir(Path dir) {
        Errno injected = io.qtune.host.KernelFaults.check("mkdir", dir, null);
        if (injected != null) {
            throw new CgroupWriteException(dir, "mkdir", injected, "injected by a test", null);
        }
        try {
            Files.createDirectory(dir);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            Errno errno = Errno.of(e).orElse(null);
            String why = errno == Errno.ENOENT ? "the parent group does not exist" : null;
            throw new CgroupWriteException(dir, "mkdir", errno, why, e);
        }
    }

    /** Removes one empty group directory; false when it did not exist. */
    static boolean rmdir(Path dir) {
        Errno injected = io.qtune.host.KernelFaults.check("rmdir", dir, null);
        if (injected != null) {
            throw new CgroupWriteException(dir, "rmdir", injected, "injected by a test", null);
        }
        try {
            Files.delete(dir);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            Errno errno = Errno.of(e).orElse(null);
            String why = errno == Errno.EBUSY
                    ? "the group still has tasks (or child groups); move or stop them first"
                    : errno == Errno.ENOTEMPTY ? "the group still has child groups" : null;
            throw new CgroupWriteException(dir, "rmdir", errno, why, e);
        }
    }

    /** Child group directories. */
    static List<Path> children(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
            ds.forEach(out::add);
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw new CgroupReadException(dir, String.valueOf(e.getMessage()), Errno.of(e).orElse(null), e);
        }
        out.sort(null);
        return out;
    }

    /**
     * Removes a group and everything below it, depth-first (virCgroupRemoveRecursively). A leaf (a
     * thread group, the usual case) goes in one rmdir: the children are listed (a stat of each of
     * the group's ~20 files) only when the kernel says the group has some.
     */
    static void removeTree(Path dir) {
        try {
            rmdir(dir);
            return;
        } catch (CgroupWriteException e) {
            Errno errno = e.errno().orElse(null);
            List<Path> children = errno == Errno.EBUSY || errno == Errno.ENOTEMPTY ? children(dir) : List.of();
            if (children.isEmpty()) {
                throw e;
            }
            for (Path child : children) {
                removeTree(child);
            }
        }
        rmdir(dir);
    }

    /** The sentence a person needs for a failed write. */
    static String explain(Path file, String value, Errno errno) {
        if (errno == null) {
            return null;
        }
        String name = file.getFileName().toString();
        boolean attach = name.equals("tasks") || name.equals("cgroup.procs") || name.equals("cgroup.threads");
        boolean cpuset = name.startsWith("cpuset.");
        boolean bw = name.equals("cpu.cfs_quota_us") || name.equals("cpu.cfs_period_us") || name.equals("cpu.max");
        return switch (errno) {
            case ERANGE -> cpuset
                    ? "the set names a CPU or memory node above what this kernel supports"
                    : "the value is out of the kernel's range";
            case EINVAL -> {
                if (name.equals("cpuset.cpus")) {
                    yield "the CPUs must be online and within the parent group's cpuset.cpus";
                } else if (name.equals("cpuset.mems")) {
                    yield "the memory nodes must exist and be within the parent group's cpuset.mems";
                } else if (bw) {
                    yield "the kernel refused the bandwidth: quota and period must be at least 1000 us, "
                            + "period at most 1 s, and a child's quota cannot exceed its parent's";
                } else if (attach) {
                    yield "this task cannot be moved into the group (a kernel thread, or a thread of a process "
                            + "that lives in another threaded subtree)";
                } else if (name.equals("cgroup.type")) {
                    yield "the group cannot become threaded (it has domain children or non-threaded controllers)";
                } else if (name.equals("cgroup.subtree_control")) {
                    yield "the controller name is unknown or not available in this group's cgroup.controllers";
                }
                yield "the kernel refused the value";
            }
            case ENOSPC -> attach
                    ? "the group's cpuset.cpus or cpuset.mems is empty; set both before attaching tasks"
                    : cpuset ? "the change would leave a group with tasks without CPUs or memory nodes"
                    : "the kernel has no room for this value";
            case ESRCH -> "no such process or thread (it exited)";
            case EBUSY -> name.equals("cgroup.subtree_control")
                    ? "a child group still uses the controller, or processes sit in this group"
                    : cpuset ? "a child group still uses CPUs or nodes this change would remove"
                    : "the group is busy (it still has tasks or child groups)";
            case EOPNOTSUPP -> attach
                    ? "cgroup v2 forbids it: processes cannot join a threaded or 'domain invalid' group; "
                      + "threads of one process must stay in one threaded subtree"
                    : "cgroup v2 forbids this change in the current group type";
            case ENOENT -> "the file does not exist: the controller is not enabled for this group "
                    + "(v2: missing in the parent's cgroup.subtree_control) or the group is gone";
            case EACCES, EPERM -> "permission denied (qtune must run as root; cgroupfs files cannot be created)";
            case EROFS -> "the cgroup filesystem is mounted read-only (a container without cgroup delegation?)";
            default -> null;
        };
    }
}
