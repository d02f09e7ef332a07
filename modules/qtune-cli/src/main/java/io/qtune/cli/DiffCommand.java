package io.qtune.cli;

import io.qtune.core.Drift;
import io.qtune.core.spec.TuningSpec;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** What differs between a spec and the live placement; changes nothing. */
@Command(name = "diff", description = {"Show drift between SPEC and the VM's live placement; change nothing.",
    "Exit status 0: no drift; 3: drift (printed)."})
final class DiffCommand extends VerbCommand {
  @Parameters(index = "0", paramLabel = "SPEC.json", description = "the tuning spec")
  Path spec;

  @Override
  void execute() {
    // run() does the work: the status says whether there is drift
  }

  @Override
  int run() {
    TuningSpec s = SpecFile.read(spec);
    List<Drift> drift = await(vm().diff(s));
    printer().result(() -> VirshText.drift(drift, spec.toString()), () -> JsonViews.drift(drift));
    return drift.isEmpty() ? Exit.OK : Exit.DRIFT;
  }
}
