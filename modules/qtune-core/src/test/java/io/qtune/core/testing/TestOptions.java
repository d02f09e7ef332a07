package io.qtune.core.testing;

import io.qtune.core.LaunchOptions;
import io.qtune.core.QtuneOptions;
import io.qtune.qmp.QmpOptions;
import io.qtune.testkit.TestTime;

/** qtune's option records with every timeout scaled by {@link TestTime} (the kit knows no qtune type). */
public final class TestOptions {
  private TestOptions() {}

  /** qtune's defaults with the QMP connect and command timeouts scaled. */
  public static QtuneOptions options() {
    QmpOptions q = QmpOptions.defaults();
    return QtuneOptions.defaults().withQmp(q.withConnectTimeout(TestTime.of(q.connectTimeout()))
        .withCommandTimeout(TestTime.of(q.commandTimeout())));
  }

  /** Launch defaults with the start timeout scaled. */
  public static LaunchOptions launch() {
    LaunchOptions d = LaunchOptions.defaults();
    return new LaunchOptions(d.qmpSocket(), d.stayPaused(), TestTime.of(d.startTimeout()), d.log());
  }
}
