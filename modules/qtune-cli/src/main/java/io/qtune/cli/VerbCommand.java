package io.qtune.cli;

import io.qtune.core.Vm;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.ParentCommand;

/** A verb: reaches the global options, the session and the printer through the root command. */
abstract class VerbCommand implements Callable<Integer> {
  @ParentCommand
  QtuneCli root;

  Session session() {
    return root.session();
  }

  Printer printer() {
    return root.printer();
  }

  Vm vm() {
    return session().vm();
  }

  /** The VM for verbs the daemon serves too: through it when it supervises the VM (see Session). */
  VmAccess access() {
    return session().access();
  }

  int hostCpus() {
    return session().topology().maxCpus();
  }

  /** {@code f}'s result within the command's --timeout (see {@link Session#await}). */
  <T> T await(CompletableFuture<T> f) {
    return session().await(f);
  }

  @Override
  public final Integer call() {
    // the deadline counts from here: one for the whole command, or for one line of the shell
    session().startDeadline(root.timeout);
    return run();
  }

  /** The exit status; failures are thrown and reported by the root. */
  int run() {
    execute();
    return Exit.OK;
  }

  /** Does the work and prints the result; failures are thrown and reported by the root. */
  abstract void execute();
}
