package io.qtune.daemon;

import java.time.Instant;
import java.util.Map;

/**
 * One line of {@code GET /v1/events}: a sequence number (1, 2, ... from each daemon start), when,
 * what, which VM ({@code null} for daemon-wide events) and the event's own fields.
 */
public record Event(long seq, Instant time, String type, String vm, Map<String, Object> data) {}
