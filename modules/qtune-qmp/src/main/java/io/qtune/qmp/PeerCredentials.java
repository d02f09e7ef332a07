package io.qtune.qmp;

/** {@code SO_PEERCRED} of the QMP socket's server end: {@code pid} is the QEMU process. */
public record PeerCredentials(int pid, int uid, int gid) {
}
