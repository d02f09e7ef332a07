package io.qtune.cli;

import io.qtune.core.QtuneOptions;
import io.qtune.core.Vm;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How often a VM qtune supervises in the foreground (launch, apply --watch) has strays moved back. */
final class ReconcileOption {
  @Option(names = "--reconcile-interval", paramLabel = "SECONDS",
      description = "while supervising, move threads that are not where their role says (workers "
          + "born in a vCPU's group) back every SECONDS; 0 turns it off (default: "
          + "${DEFAULT-VALUE})", defaultValue = "5")
  double seconds = QtuneOptions.DEFAULT_RECONCILE_INTERVAL.toMillis() / 1000.0;

  Duration interval() {
    if (!(seconds >= 0) || seconds > 86_400) {
      throw new BadInputException("--reconcile-interval must be between 0 (off) and 86400 seconds, got "
          + seconds);
    }
    return Duration.ofMillis(Math.round(seconds * 1000));
  }

  /** Validated before anything starts: bad input changes nothing. */
  void check() {
    interval();
  }

  void applyTo(Vm vm) {
    vm.reconcileEvery(interval());
  }
}
