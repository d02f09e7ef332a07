package io.qtune.core;

/**
 * QMP reported a thread ID that is not a task of the QEMU process on the other end of the socket.
 * qtune never touches such a thread: a lying or compromised QEMU must not steer another process.
 */
public class ForeignThreadException extends QtuneException {
  private final int pid;
  private final long tid;

  public ForeignThreadException(String what, long tid, int pid) {
    super("QEMU reported thread " + tid + " for " + what + ", but it is not a task of QEMU process "
        + pid + " (/proc/" + pid + "/task/" + tid + " does not exist); refusing to touch it");
    this.pid = pid;
    this.tid = tid;
  }

  public int pid() {
    return pid;
  }

  public long tid() {
    return tid;
  }
}
