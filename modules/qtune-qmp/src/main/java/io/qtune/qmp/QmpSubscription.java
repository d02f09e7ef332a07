package io.qtune.qmp;

/** Handle of an event or protocol-error listener; {@link #close()} unsubscribes (idempotent). */
public interface QmpSubscription extends AutoCloseable {
  @Override
  void close();
}
