package io.qtune.core;

/**
 * An iothread object {@code iothread<id>} and its host thread, verified to belong to the QEMU process.
 */
public record IothreadThread(int id, String qomId, int tid, long pollMaxNs, long pollGrow,
    long pollShrink) {}
