package io.qtune.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** An IOThread id given as virsh accepts it: positionally ({@code iothreadadd 4}) or {@code --id 4}. */
final class IothreadId {
  @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "IOThread id (1 or more)")
  Integer positional;

  @Option(names = "--id", paramLabel = "ID", description = "the same, as virsh's --id")
  Integer option;

  int value() {
    if (positional != null && option != null && !positional.equals(option)) {
      throw new BadInputException("two IOThread ids given: " + positional + " and --id " + option);
    }
    Integer id = positional != null ? positional : option;
    if (id == null) {
      throw new BadInputException("an IOThread id is required (ID or --id ID)");
    }
    return id;
  }
}
