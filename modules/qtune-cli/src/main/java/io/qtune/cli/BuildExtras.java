package io.qtune.cli;

import java.io.File;
import java.io.IOException;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Build time only (cli-extras.sh, with picocli-codegen on the class path): bash completion and
 * man pages from the full model. The verbs are added in code (QtuneCli.commandLine), so picocli's
 * own main classes, which read them from annotations, would see none.
 */
final class BuildExtras {
  private BuildExtras() {}

  /** {@code BuildExtras COMPLETION_FILE MAN_DIR}. */
  public static void main(String[] args) throws IOException {
    CommandLine cl = new QtuneCli().commandLine();
    AutoComplete.bash("qtune", new File(args[0]), null, cl);
    int rc = ManPageGenerator.generateManPage(new File(args[1]), null, new boolean[0], true, cl.getCommandSpec());
    if (rc != 0) {
      throw new IOException("man page generation failed: " + rc);
    }
  }
}
