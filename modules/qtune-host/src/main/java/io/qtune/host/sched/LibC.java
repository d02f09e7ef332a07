package io.qtune.host.sched;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/** Direct JNA bindings to glibc (Native.register: 2-3x cheaper per call than interface proxies). */
final class LibC {
    static {
        // the soname: "c" makes JNA fork /sbin/ldconfig -p to find the file (there is no plain libc.so)
        Native.register(NativeLibrary.getInstance("libc.so.6"));
    }

    private LibC() {
    }

    static native int sched_setaffinity(int pid, long cpusetsize, long[] mask) throws LastErrorException;

    static native int sched_getaffinity(int pid, long cpusetsize, long[] mask) throws LastErrorException;

    static native int sched_setscheduler(int pid, int policy, int[] param) throws LastErrorException;

    static native int sched_getscheduler(int pid) throws LastErrorException;

    static native int sched_getparam(int pid, int[] param) throws LastErrorException;

    static native int sched_get_priority_min(int policy) throws LastErrorException;

    static native int sched_get_priority_max(int policy) throws LastErrorException;

    static native int gettid();
}
