package io.qtune.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A VM's virtio-blk disks served by its iothreads (attach-disk, detach-disk). */
public final class VmDisks {
  private final Vm vm;

  VmDisks(Vm vm) {
    this.vm = vm;
  }

  /** Attaches a raw image (libvirt's default format) as a virtio-blk disk served by {@code iothread}. */
  public CompletableFuture<Void> attach(Path file, String target, int iothread) {
    return attach(file, target, iothread, DiskFormat.RAW);
  }

  /**
   * Attaches an image in the {@code format} the caller names (never probed) as a virtio-blk disk
   * served by iothread {@code iothread}; a qcow2 image's backing or data file is never opened.
   */
  public CompletableFuture<Void> attach(Path file, String target, int iothread, DiskFormat format) {
    return vm.op(() -> {
      if (vm.threads().iothread(iothread) == null) {
        throw new InvalidInputException("iothread " + iothread + " not found");
      }
      Disks.attach(vm.qmp(), file, target, "iothread" + iothread, format);
      return null;
    });
  }

  /** Detaches a disk attached by {@link #attach}; waits for the guest to release it. */
  public CompletableFuture<Void> detach(String target, Duration timeout) {
    return vm.op(() -> {
      Disks.detach(vm.qmp(), target, timeout);
      return null;
    });
  }
}
