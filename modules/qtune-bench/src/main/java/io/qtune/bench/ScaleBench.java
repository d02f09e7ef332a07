package io.qtune.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs {@link ScaleMain} in a fresh JVM (same java, same class path) and reads its key=value lines. */
final class ScaleBench {
  private ScaleBench() {}

  static Map<String, String> run(int count, Path dir) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", ScaleMain.class.getName(), Integer.toString(count),
        dir.toString()));
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : NativeTools.run(cmd).split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        out.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return out;
  }
}
