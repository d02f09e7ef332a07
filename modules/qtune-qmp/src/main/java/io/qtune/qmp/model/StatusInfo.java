package io.qtune.qmp.model;

/** {@code query-status}: run state (e.g. {@code prelaunch}, {@code running}, {@code paused}). */
public record StatusInfo(String status, boolean running) {
}
