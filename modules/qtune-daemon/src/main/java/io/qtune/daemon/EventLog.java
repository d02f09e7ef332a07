package io.qtune.daemon;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's events in order: each gets the next sequence number, the last {@value #RETAINED}
 * are kept for {@code ?since=N}, and every subscriber (an open {@code GET /v1/events}) sees each
 * event once, in sequence order.
 */
public final class EventLog {
  private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);
  static final int RETAINED = 1024;

  private final ArrayDeque<Event> retained = new ArrayDeque<>();
  private final List<Consumer<Event>> subscribers = new CopyOnWriteArrayList<>();
  private long seq;

  /** Records and publishes an event; delivery happens under the log's lock so order is kept. */
  public synchronized Event publish(String type, String vm, Map<String, Object> data) {
    Event e = new Event(++seq, Instant.now(), type, vm, data == null ? Map.of() : data);
    retained.addLast(e);
    if (retained.size() > RETAINED) {
      retained.removeFirst();
    }
    LOG.info("event {} {}{} {}", e.seq(), type, vm == null ? "" : " " + vm, e.data());
    for (Consumer<Event> s : subscribers) {
      try {
        s.accept(e);
      } catch (RuntimeException ex) {
        LOG.debug("event subscriber failed: {}", ex.toString());
      }
    }
    return e;
  }

  /**
   * Subscribes: first the retained events after {@code since} (none when {@code since} is null),
   * then every new one; the replay and the subscription happen atomically, so nothing is missed
   * or sent twice.
   */
  public synchronized Runnable subscribe(Long since, Consumer<Event> subscriber) {
    if (since != null) {
      for (Event e : new ArrayList<>(retained)) {
        if (e.seq() > since) {
          subscriber.accept(e);
        }
      }
    }
    subscribers.add(subscriber);
    return () -> subscribers.remove(subscriber);
  }

  /** How many streams are subscribed now. */
  public int subscribers() {
    return subscribers.size();
  }

  public synchronized long lastSeq() {
    return seq;
  }

  public synchronized List<Event> retained() {
    return List.copyOf(retained);
  }
}
