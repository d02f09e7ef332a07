package io.qtune.host.cpu;

/**
 * A CPU set names a CPU the host does not have; worded as virsh does:
 * {@code CPU 7 in cpulist '7' exceed the maxcpu 2}.
 */
public final class CpuSetRangeException extends IllegalArgumentException {
    private final int cpu;
    private final int maxCpu;
    private final String original;

    CpuSetRangeException(int cpu, String original, int maxCpu) {
        super("CPU " + cpu + " in cpulist '" + original + "' exceed the maxcpu " + maxCpu);
        this.cpu = cpu;
        this.maxCpu = maxCpu;
        this.original = original;
    }

    /** The first CPU out of range. */
    public int cpu() {
        return cpu;
    }

    /** The host's CPU count (valid CPUs are 0..maxCpu-1). */
    public int maxCpu() {
        return maxCpu;
    }

    /** The cpulist text as the user gave it. */
    public String original() {
        return original;
    }
}
