package io.qtune.cli;

/** qtune's exit statuses (virsh has only 0 and 1; 2 tells scripts that nothing was changed). */
public final class Exit {
  /** The command did what it was asked. */
  public static final int OK = 0;
  /** The operation was valid but failed (QEMU or the host refused it; changes were rolled back). */
  public static final int FAILED = 1;
  /** The input was refused before anything was changed. */
  public static final int BAD_INPUT = 2;
  /** {@code diff} found drift (like diff(1)'s 1, but 1 is taken by failures): scripts can tell. */
  public static final int DRIFT = 3;

  private Exit() {}
}
