package io.qtune.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The record of VMs qtune launched or attached ({@code /run/qtune/<name>.json}), so a later
 * command can name a VM with {@code --name} and {@code gc} knows whose groups it made.
 */
public final class StateDir {
  private static final Logger LOG = LoggerFactory.getLogger(StateDir.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One VM's record. */
  public record Entry(String name, int pid, String qmpSocket, String domainPath, boolean launched) {}

  private final Path dir;

  public StateDir(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  void record(Vm vm) {
    write(new Entry(vm.name(), vm.pid(), vm.qmp().socketPath().toString(), vm.domainPath(),
        vm.launched()));
  }

  void write(Entry e) {
    try {
      Files.createDirectories(dir);
      // a VM name never starts with '.', so the temp file is no other VM's record
      Path tmp = dir.resolve("." + VmName.require(e.name(), "a state record") + ".json.tmp");
      JSON.writeValue(tmp.toFile(), e);
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
      s.filter(p -> p.getFileName().toString().endsWith(".json")
              && !p.getFileName().toString().startsWith("."))
          .sorted()
          .forEach(p -> {
            try {
              out.add(JSON.readValue(p.toFile(), Entry.class));
            } catch (IOException e) {
              LOG.warn("skipping unreadable state file {}: {}", p, e.toString());
            }
          });
    } catch (IOException e) {
      throw new QtuneException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }

  void forget(String name) {
    try {
      Files.deleteIfExists(file(name));
    } catch (IOException e) {
      LOG.warn("cannot remove state of {}: {}", name, e.toString());
    }
  }

  private Path file(String name) {
    return file(name, ".json");
  }

  /**
   * The state directory's file for VM {@code name} with {@code suffix} ({@code .qmp}, {@code .log}).
   * The name passes {@link VmName}'s check (no {@code /}, no leading {@code .}), so the file is
   * always directly inside the directory, and two names never share a file.
   */
  public Path file(String name, String suffix) {
    return dir.resolve(VmName.require(name, "the lookup") + suffix);
  }
}
