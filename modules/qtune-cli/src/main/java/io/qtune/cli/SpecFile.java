package io.qtune.cli;

import io.qtune.core.spec.SpecReader;
import io.qtune.core.spec.TuningSpec;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a spec file named on the command line; a missing or unreadable file is bad input. */
final class SpecFile {
  private SpecFile() {}

  static TuningSpec read(Path file) {
    if (!Files.exists(file)) {
      throw new BadInputException("spec file '" + file + "' does not exist");
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new BadInputException("spec file '" + file + "' is not a readable file");
    }
    return SpecReader.read(file);
  }
}
