package io.qtune.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training run of {@code qtune-client.jsa}: the pin shortcut against a stand-in daemon, and
 * nothing else (not even picocli, which {@code cds-train} runs under): the archive a pin through
 * {@code qtune daemon} maps is then 1.8 MB instead of 19 (docs/cli.md, "Start-up cost").
 */
public final class CdsTrainClient {
  private CdsTrainClient() {}

  public static void main(String[] args) throws Exception {
    PrintStream nul = new PrintStream(OutputStream.nullOutputStream());
    Path dir = Files.createTempDirectory("qtune-cli-cds-");
    try {
      CdsTrainCommand.throughDaemon(nul, dir, dir.resolve("state").toString(), true);
    } finally {
      CdsTrainCommand.deleteTree(dir);
    }
    System.exit(0);
  }
}
