package io.qtune.qmp.model;

/** One {@code query-iothreads} entry; {@code threadId} is the host TID. */
public record IothreadInfo(String id, long threadId, long pollMaxNs, long pollGrow, long pollShrink,
    long aioMaxBatch) {
}
