package io.qtune.cli;

/**
 * slf4j-simple reads its settings once, when the first logger is made: set them before that.
 * Quiet by default: qtune's warnings and errors, and only errors from libraries (Netty warns on
 * every command on a host without a network interface, which is not the user's business);
 * {@code -v} shows what qtune does and the libraries' warnings.
 */
final class Logging {
  private static boolean verbose;

  private Logging() {}

  static void configure(String[] args) {
    for (String a : args) {
      if (a.equals("--")) {
        break;
      }
      if (a.equals("-v") || a.equals("--verbose")) {
        verbose = true;
      }
    }
    setDefault("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "error");
    setDefault("org.slf4j.simpleLogger.log.io.qtune", verbose ? "info" : "warn");
    setDefault("org.slf4j.simpleLogger.logFile", "System.err");
    setDefault("org.slf4j.simpleLogger.showThreadName", "false");
    setDefault("org.slf4j.simpleLogger.levelInBrackets", "true");
  }

  static boolean verbose() {
    return verbose;
  }

  private static void setDefault(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
