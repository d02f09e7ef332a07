package io.qtune.qmp.model;

/** {@code add-fd} reply: the fd set and the fd number inside QEMU. */
public record AddFdInfo(int fdsetId, int fd) {
}
