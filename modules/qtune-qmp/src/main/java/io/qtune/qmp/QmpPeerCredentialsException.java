package io.qtune.qmp;

import io.netty.channel.unix.Errors;
import java.nio.file.Path;

/**
 * {@code SO_PEERCRED} (the server's pid, uid and gid) of a freshly connected QMP socket could not
 * be read. The connect fails with this and the connection is closed: a client without the peer's
 * pid would only fail later, where QEMU's threads are looked up by that pid. The
 * {@linkplain #getCause() cause} is Netty's error (a {@code ChannelException}
 * "getsockopt() failed: &lt;strerror&gt;" from the native call, or an {@code IOException}).
 */
public final class QmpPeerCredentialsException extends QmpException {
  public QmpPeerCredentialsException(Path socketPath, Throwable cause) {
    super(socketPath, "Cannot read SO_PEERCRED (the QEMU pid) of QMP socket " + socketPath + ": "
        + describe(cause) + "; the connection was closed", cause);
  }

  private static String describe(Throwable cause) {
    String msg = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    if (cause instanceof Errors.NativeIoException) {
      return "errno " + Math.abs(((Errors.NativeIoException) cause).expectedErr()) + " (" + msg + ")";
    }
    return msg;
  }
}
