package io.qtune.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** What the figures were measured on. */
record Machine(String kernel, String cpuModel, int cores, String qemu, String jvm, String accel, String date) {

  static Machine describe() {
    String kernel = NativeTools.run(List.of("uname", "-sr")).strip();
    String model = "?";
    try {
      model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("?");
    } catch (IOException e) {
      // leave "?"
    }
    String qemu = NativeTools.run(List.of("qemu-system-x86_64", "--version")).lines().findFirst().orElse("?");
    String jvm = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
    return new Machine(kernel, model, Runtime.getRuntime().availableProcessors(), qemu, jvm, QemuVm.accel(),
        ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 16) + " UTC");
  }

  String markdown() {
    return "| | |\n|---|---|\n"
        + "| kernel | " + kernel + " |\n"
        + "| CPU | " + cpuModel + ", " + cores + " cores |\n"
        + "| QEMU | " + qemu + ", `-accel " + accel + "` |\n"
        + "| JVM | " + jvm + " |\n"
        + "| date | " + date + " |\n";
  }
}
