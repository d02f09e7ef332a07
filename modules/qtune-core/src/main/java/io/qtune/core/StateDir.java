package io.qtune.core;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qtune.host.HostLock;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The record of VMs qtune launched or attached ({@code /run/qtune/<name>.json}), so a later
 * command can name a VM with {@code --name} and {@code gc} knows whose groups it made. The
 * directory is private (0700, files 0600), never a symbolic link, and owned by the caller; its
 * {@code .lock} serializes group creation and removal across every qtune process on the host.
 */
public final class StateDir {
  private static final Logger LOG = LoggerFactory.getLogger(StateDir.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
  /** The mode the daemon sets when its socket is in the directory (docs/daemon.md). */
  public static final Set<PosixFilePermission> TRAVERSE_MODE = PosixFilePermissions.fromString("rwx--x--x");
  private static final FileAttribute<Set<PosixFilePermission>> FILE_MODE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
  /** The QMP socket {@code launch} gives QEMU for its supervisor: {@code NAME.qmp}. */
  public static final String QMP = ".qmp";
  /** The second QMP socket {@code launch} gives QEMU, for other CLI commands: {@code NAME.cli.qmp}. */
  public static final String CLI_QMP = ".cli.qmp";
  /** QEMU's output: {@code NAME.log}, appended to by every launch of that name. */
  public static final String QEMU_LOG = ".log";
  private static final String RECORD = ".json";

  /**
   * One VM's record. {@code startTime} (clock ticks after boot, 0 in records of older versions)
   * tells QEMU from a later process that reused its pid.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Entry(String name, int pid, long startTime, String qmpSocket, String domainPath,
      boolean launched) {}

  private final Path dir;

  public StateDir(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /**
   * The directory, created 0700 if missing. Refused (bad input, nothing written) when it is a
   * symbolic link or owned by another user: root's writes must not be steered elsewhere.
   */
  public Path ensure() {
    if (Files.isSymbolicLink(dir)) {
      throw new InvalidInputException("state directory " + dir + " is a symbolic link; qtune refuses"
          + " it (a link would steer root's files elsewhere): name the real directory");
    }
    try {
      if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectories(dir.toAbsolutePath().getParent());
        try {
          Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
        } catch (FileAlreadyExistsException raced) {
          return ensure();
        }
      }
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new InvalidInputException("state directory " + dir + " is not a directory");
      }
      int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      if (owner != self) {
        throw new InvalidInputException("state directory " + dir + " belongs to uid " + owner
            + ", not to this user (uid " + self + "); qtune refuses it");
      }
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
      // 0711 (others may traverse, never list) is kept: the daemon's socket lives in here
      if (!mode.equals(DIR_MODE) && !mode.equals(TRAVERSE_MODE)) {
        Files.setPosixFilePermissions(dir, DIR_MODE); // records name sockets of root's VMs: private
      }
      return dir;
    } catch (IOException e) {
      throw new OperationFailedException("cannot create state directory " + dir + ": " + e, e);
    }
  }

  /**
   * Holds the host-wide lock of this state directory: every qtune process creating or removing a
   * VM's groups or records takes it, so gc never sees a group another process is still filling.
   */
  public HostLock lock() {
    return HostLock.acquire(ensure().resolve(".lock"));
  }

  /** Creates {@code file} in the directory 0600 unless it exists (QEMU's log, before QEMU opens it). */
  Path createPrivate(Path file) {
    ensure();
    try {
      Files.createFile(file, FILE_MODE);
    } catch (FileAlreadyExistsException e) {
      // a log of an earlier run of this VM: appended to
    } catch (IOException e) {
      throw new OperationFailedException("cannot create " + file + ": " + e, e);
    }
    return file;
  }

  void record(Vm vm) {
    write(new Entry(vm.name(), vm.pid(), vm.identity().startTime(), vm.qmp().socketPath().toString(),
        vm.domainPath(), vm.launched()));
  }

  void write(Entry e) {
    ensure();
    try {
      // a VM name never starts with '.', so the temp file is no other VM's record
      Path tmp = tempOf(VmName.require(e.name(), "a state record"));
      Files.deleteIfExists(tmp);
      Files.write(Files.createFile(tmp, FILE_MODE), JSON.writeValueAsBytes(e));
      Files.move(tmp, file(e.name()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException ex) {
      // the VM is placed either way; only --name lookups will miss it
      LOG.warn("cannot record VM {} in {}: {}", e.name(), dir, ex.toString());
    }
  }

  public Optional<Entry> find(String name) {
    Path f = file(name);
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(f.toFile(), Entry.class));
    } catch (IOException e) {
      throw new QtuneException("state file " + f + " is unreadable: " + e.getMessage(), e);
    }
  }

  public List<Entry> all() {
    List<Entry> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(p -> p.getFileName().toString().endsWith(RECORD)
              && !p.getFileName().toString().startsWith("."))
          .sorted()
          .forEach(p -> {
            try {
              Entry e = JSON.readValue(p.toFile(), Entry.class);
              // qtune writes a record only as its checked name + .json: anything else is not its
              // own, and a name in it must never steer gc to another VM's or an outside file
              String problem = VmName.problem(e.name());
              if (problem != null || !p.getFileName().toString().equals(e.name() + RECORD)) {
                LOG.warn("skipping state file {}: its name {} {}", p, VmName.quote(e.name()),
                    problem != null ? problem : "is not the file's");
                return;
              }
              out.add(e);
            } catch (IOException e) {
              LOG.warn("skipping unreadable state file {}: {}", p, e.toString());
            }
          });
    } catch (IOException e) {
      throw new QtuneException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** Removes VM {@code name}'s record (its groups stay; gc no longer knows them). */
  public void forget(String name) {
    try {
      Files.deleteIfExists(file(name));
    } catch (IOException e) {
      LOG.warn("cannot remove state of {}: {}", name, e.toString());
    }
  }

  /**
   * Removes what VM {@code name} left here once its QEMU is gone (the caller checked: gc, under the
   * lock): QEMU's QMP sockets ({@link #QMP}, {@link #CLI_QMP}; QEMU unlinks them only when it exits
   * cleanly, never when it is killed) and a record's temp file a killed write left. Only files of
   * qtune's own naming for that name, each only if it is what qtune made there (a socket, the temp
   * file a regular file) and never through a symbolic link; a socket something still listens on
   * stays (a QEMU started by hand on that path, a pid reused). QEMU's log ({@link #QEMU_LOG}) stays: it
   * is why the VM died. Returns the files removed.
   */
  public List<Path> removeLeftovers(String name) {
    List<Path> removed = new ArrayList<>();
    for (String suffix : List.of(QMP, CLI_QMP)) {
      Path socket = file(name, suffix);
      if (isSocket(socket) && !listening(socket)) {
        delete(socket, removed);
      }
    }
    Path tmp = tempOf(VmName.require(name, null));
    if (Files.isRegularFile(tmp, LinkOption.NOFOLLOW_LINKS)) {
      delete(tmp, removed);
    }
    return removed;
  }

  /**
   * Removes record temp files ({@code .NAME.json.tmp}, regular files only) that no record owns: a
   * first write killed before its rename (the caller holds the lock, which every first write holds
   * too, so no such write is in flight). A temp file beside a record is that VM's, see
   * {@link #removeLeftovers}. Returns the files removed.
   */
  public List<Path> removeOrphanTemps() {
    List<Path> removed = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return removed;
    }
    String suffix = RECORD + ".tmp";
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        String f = p.getFileName().toString();
        if (!f.startsWith(".") || !f.endsWith(suffix) || f.length() <= 1 + suffix.length()) {
          continue;
        }
        String name = f.substring(1, f.length() - suffix.length());
        if (VmName.problem(name) == null && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
            && !Files.exists(file(name), LinkOption.NOFOLLOW_LINKS)) {
          delete(p, removed);
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list {}: {}", dir, e.toString());
    }
    return removed;
  }

  private static void delete(Path p, List<Path> removed) {
    try {
      if (Files.deleteIfExists(p)) {
        removed.add(p);
      }
    } catch (IOException e) {
      LOG.warn("cannot remove {}: {}", p, e.toString());
    }
  }

  /** Whether {@code p} itself (not what a link points to) is a unix socket. */
  private static boolean isSocket(Path p) {
    try {
      int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      return (mode & 0170000) == 0140000;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /**
   * Whether a process still accepts connections on socket {@code p}: only a refused connect
   * (ECONNREFUSED: bound by nobody) says it is stale. Any other outcome leaves it alone.
   */
  private static boolean listening(Path p) {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.configureBlocking(false); // a full backlog must not block gc: pending counts as listening
      ch.connect(UnixDomainSocketAddress.of(p));
      return true;
    } catch (ConnectException refused) {
      return false;
    } catch (IOException | RuntimeException unsure) {
      return true;
    }
  }

  /** The temp file a record is written to before its atomic rename (a dot file: no VM's name). */
  private Path tempOf(String checkedName) {
    return dir.resolve("." + checkedName + RECORD + ".tmp");
  }

  private Path file(String name) {
    return file(name, RECORD);
  }

  /**
   * The state directory's file for VM {@code name} with {@code suffix} ({@code .qmp}, {@code .log}).
   * The name passes {@link VmName}'s check (no {@code /}, no leading {@code .}), so the file is
   * always directly inside the directory, and two names never share a file.
   */
  public Path file(String name, String suffix) {
    return dir.resolve(VmName.require(name, null) + suffix);
  }
}
