package io.qtune.core;

import java.util.List;

/**
 * Bad input: found before the first write, so nothing was changed. Carries every problem found,
 * not just the first, so a spec can be fixed in one go.
 */
public class InvalidInputException extends QtuneException {
  private final List<String> problems;

  public InvalidInputException(List<String> problems) {
    super(problems.size() == 1 ? problems.get(0) : String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public InvalidInputException(String problem) {
    this(List.of(problem));
  }

  public List<String> problems() {
    return problems;
  }
}
