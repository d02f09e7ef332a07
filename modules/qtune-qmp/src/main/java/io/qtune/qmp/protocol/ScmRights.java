package io.qtune.qmp.protocol;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * Sends bytes plus one fd as {@code SCM_RIGHTS} in a single {@code sendmsg(2)}, so the fd arrives
 * with the {@code getfd}/{@code add-fd} command's own bytes, the way libvirt does it. Netty's
 * {@code FileDescriptor} write would add a stray payload byte that QEMU answers with an id-less
 * JSON parse error.
 */
public final class ScmRights {
  private static final int SOL_SOCKET = 1;
  private static final int SCM_RIGHTS = 1;
  private static final int MSG_NOSIGNAL = 0x4000;
  private static final int MSG_DONTWAIT = 0x40;
  /** errno values (Linux, all arches we run on). */
  public static final int EAGAIN = 11;

  static {
    if (!Platform.isLinux() || !Platform.is64Bit()) {
      throw new ExceptionInInitializerError("fd passing is implemented for 64-bit Linux only");
    }
    // the soname: "c" makes JNA fork /sbin/ldconfig -p to find the file (there is no plain libc.so)
    Native.register("libc.so.6");
  }

  private ScmRights() {
  }

  private static native long sendmsg(int sockfd, Pointer msg, int flags) throws LastErrorException;

  /**
   * One non-blocking {@code sendmsg} of {@code data} (from {@code offset}) with {@code fd} attached.
   *
   * @return bytes written (the fd went with them when > 0)
   * @throws LastErrorException with the errno on failure ({@link #EAGAIN} when the socket is full)
   */
  public static long send(int socketFd, byte[] data, int fd) {
    // LP64 layouts: iovec{base,len}=16, cmsghdr{len(8),level(4),type(4)}+int padded=24,
    // msghdr{name,namelen(+pad),iov,iovlen,control,controllen,flags(+pad)}=56
    Memory payload = new Memory(data.length);
    payload.write(0, data, 0, data.length);
    Memory iov = new Memory(16);
    iov.setPointer(0, payload);
    iov.setLong(8, data.length);
    Memory control = new Memory(24);
    control.clear();
    control.setLong(0, 16 + 4); // CMSG_LEN(sizeof(int))
    control.setInt(8, SOL_SOCKET);
    control.setInt(12, SCM_RIGHTS);
    control.setInt(16, fd);
    Memory msg = new Memory(56);
    msg.clear();
    msg.setPointer(16, iov);
    msg.setLong(24, 1);
    msg.setPointer(32, control);
    msg.setLong(40, 24); // CMSG_SPACE(sizeof(int))
    return sendmsg(socketFd, msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  }
}
