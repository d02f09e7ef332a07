package io.qtune.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * Reads commands from stdin (a prompt when it is a terminal) and runs them on one session: one
 * JVM start and one QMP connection for all of them. The exit status is the last command's.
 */
@Command(name = "shell", description = {"Read commands from stdin, one per line (';' separates, '#' comments), "
    + "and run them on one QMP connection; 'quit' or end of input ends.",
    "The VM is named once, on the shell's command line: qtune --qmp SOCKET shell."})
final class ShellCommand extends VerbCommand {
  private static final java.util.Set<String> CONNECTION_OPTIONS =
      java.util.Set.of("--qmp", "--name", "--state-dir", "--partition", "--socket", "--direct");

  @Override
  void execute() {
    // run() does the work: the shell's status is its last command's
  }

  @Override
  int run() {
    Session session = session();
    boolean interactive = System.console() != null;
    PrintStream err = System.err;
    int last = Exit.OK;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      while (true) {
        if (interactive) {
          System.out.print("qtune # ");
          System.out.flush();
        }
        String line = in.readLine();
        if (line == null) {
          break;
        }
        List<List<String>> commands;
        try {
          commands = ShellWords.parse(line);
        } catch (BadInputException e) {
          last = Failure.report(e, err);
          continue;
        }
        for (List<String> words : commands) {
          String verb = words.get(0);
          if (verb.equals("quit") || verb.equals("exit")) {
            return last;
          }
          last = runLine(session, words);
        }
      }
    } catch (IOException e) {
      return Failure.report(e, err);
    }
    return last;
  }

  /**
   * One picocli model for every line: building it reflects over all verbs and costs milliseconds
   * (it was 5 ms of each line's 5.2 ms); picocli resets the annotated fields before each parse.
   */
  private picocli.CommandLine lines;

  private int runLine(Session session, List<String> words) {
    if (words.get(0).equals("shell")) {
      return Failure.report(new BadInputException("already in the shell"), System.err);
    }
    for (String w : words) {
      if (w.equals("--") ) {
        break;
      }
      if (CONNECTION_OPTIONS.contains(w.contains("=") ? w.substring(0, w.indexOf('=')) : w)) {
        // the connection is the shell's: refuse rather than silently ignore
        return Failure.report(new BadInputException(w + " is given to 'qtune shell', not to its commands"),
            System.err);
      }
    }
    if (lines == null) {
      lines = new QtuneCli().sharing(session).commandLine();
    }
    // the shell's own output options are the default of every line
    List<String> args = new java.util.ArrayList<>();
    if (root.json) {
      args.add("--json");
    }
    if (root.quiet) {
      args.add("--quiet");
    }
    if (words.stream().noneMatch(w -> w.equals("--timeout") || w.startsWith("--timeout="))) {
      // each line gets its own deadline of the shell's --timeout, unless it gives one
      args.add("--timeout=" + root.timeout);
    }
    args.addAll(words);
    return lines.execute(args.toArray(String[]::new));
  }
}
