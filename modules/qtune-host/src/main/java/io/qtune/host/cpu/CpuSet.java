package io.qtune.host.cpu;

import java.util.BitSet;

/**
 * An immutable set of CPU (or NUMA node) numbers, with the text formats of libvirt, the kernel
 * and virsh.
 *
 * <ul>
 *   <li>{@link #parse(String)}: libvirt syntax, {@code 0-3,^2}, {@code 1, 3-5} (spaces allowed,
 *       {@code ^N} removes a CPU added before it);</li>
 *   <li>{@link #parseList(String)} / {@link #toList()}: the kernel list format of
 *       {@code cpuset.cpus} and {@code Cpus_allowed_list} ({@code 0-3,5}; empty is the empty set);</li>
 *   <li>{@link #parseMask(String)} / {@link #toMask()}: the hex mask of {@code Cpus_allowed}
 *       ({@code ff,ffffffff}, 32-bit words, most significant first);</li>
 *   <li>{@link #toVirshMap(int)} / {@link #parseVirshMap(String)}: virsh's {@code yy--}.</li>
 * </ul>
 */
public final class CpuSet {
    /** Highest CPU number accepted from text: above any Linux NR_CPUS, far below a memory hazard. */
    public static final int MAX_CPU = (1 << 16) - 1;

    private static final CpuSet EMPTY = new CpuSet(new BitSet());

    private final BitSet bits;

    private CpuSet(BitSet bits) {
        this.bits = bits;
    }

    /** The empty set. */
    public static CpuSet empty() {
        return EMPTY;
    }

    /** A set of the given CPUs. */
    public static CpuSet of(int... cpus) {
        BitSet b = new BitSet();
        for (int c : cpus) {
            checkCpu(c);
            b.set(c);
        }
        return new CpuSet(b);
    }

    /** CPUs {@code first..last}, both included. */
    public static CpuSet range(int first, int last) {
        checkCpu(first);
        checkCpu(last);
        if (last < first) {
            throw new IllegalArgumentException("CPU range " + first + "-" + last + " ends before it starts");
        }
        BitSet b = new BitSet();
        b.set(first, last + 1);
        return new CpuSet(b);
    }

    /** A copy of {@code bits} as a CPU set. */
    public static CpuSet fromBitSet(BitSet bits) {
        if (bits.length() - 1 > MAX_CPU) {
            throw new IllegalArgumentException("CPU " + (bits.length() - 1) + " is above " + MAX_CPU);
        }
        return new CpuSet((BitSet) bits.clone());
    }

    private static void checkCpu(int c) {
        if (c < 0 || c > MAX_CPU) {
            throw new IllegalArgumentException("CPU number " + c + " must be in range [0, " + MAX_CPU + "]");
        }
    }

    /**
     * Parses libvirt's cpuset syntax (virBitmapParse): comma-separated {@code N}, {@code N-M} and
     * {@code ^N}, spaces allowed around numbers and separators; applied left to right.
     *
     * @throws CpuSetFormatException for empty text, reversed ranges, negative or non-numeric items
     */
    public static CpuSet parse(String text) {
        if (text == null) {
            throw new CpuSetFormatException("null", "no text");
        }
        Cursor c = new Cursor(text);
        BitSet b = new BitSet();
        c.skipSpaces();
        if (c.atEnd()) {
            throw new CpuSetFormatException(text, "empty cpu list");
        }
        while (true) {
            boolean neg = false;
            if (!c.atEnd() && c.peek() == '^') {
                c.next();
                neg = true;
            }
            int start = c.number();
            c.skipSpaces();
            if (c.atEnd() || c.peek() == ',') {
                if (neg) {
                    b.clear(start);
                } else {
                    b.set(start);
                }
            } else if (c.peek() == '-') {
                if (neg) {
                    throw new CpuSetFormatException(text, "a range cannot be negated");
                }
                c.next();
                c.skipSpaces();
                int last = c.number();
                if (last < start) {
                    throw new CpuSetFormatException(text, "range end " + last + " is below its start " + start);
                }
                b.set(start, last + 1);
                c.skipSpaces();
            }
            if (c.atEnd()) {
                break;
            }
            if (c.peek() != ',') {
                throw new CpuSetFormatException(text, "unexpected '" + c.peek() + "' at position " + c.pos);
            }
            c.next();
            c.skipSpaces();
        }
        return new CpuSet(b);
    }

    /**
     * Parses the kernel list format ({@code 0-3,5}); empty text (or only a newline) is the empty set.
     */
    public static CpuSet parseList(String text) {
        if (text == null) {
            throw new CpuSetFormatException("null", "no text");
        }
        String t = text.strip();
        BitSet b = new BitSet();
        if (t.isEmpty()) {
            return new CpuSet(b);
        }
        Cursor c = new Cursor(t);
        while (true) {
            int start = c.number();
            int last = start;
            if (!c.atEnd() && c.peek() == '-') {
                c.next();
                last = c.number();
                if (last < start) {
                    throw new CpuSetFormatException(text, "range end " + last + " is below its start " + start);
                }
            }
            b.set(start, last + 1);
            if (c.atEnd()) {
                break;
            }
            if (c.peek() != ',') {
                throw new CpuSetFormatException(text, "unexpected '" + c.peek() + "' at position " + c.pos);
            }
            c.next();
        }
        return new CpuSet(b);
    }

    /**
     * Parses the hex mask of {@code /proc/<pid>/status Cpus_allowed}: comma-separated 32-bit hex
     * words, most significant first ({@code ff,ffffffff}). An optional {@code 0x} is accepted.
     */
    public static CpuSet parseMask(String text) {
        if (text == null) {
            throw new CpuSetFormatException("null", "no text");
        }
        String t = text.strip();
        if (t.startsWith("0x") || t.startsWith("0X")) {
            t = t.substring(2);
        }
        if (t.isEmpty()) {
            throw new CpuSetFormatException(text, "empty mask");
        }
        String[] words = t.split(",", -1);
        BitSet b = new BitSet();
        int base = 0;
        for (int w = words.length - 1; w >= 0; w--, base += 32) {
            String word = words[w];
            if (word.isEmpty() || word.length() > 8) {
                throw new CpuSetFormatException(text, "mask words must be 1 to 8 hex digits");
            }
            long v;
            try {
                v = Long.parseLong(word, 16);
            } catch (NumberFormatException e) {
                throw new CpuSetFormatException(text, "'" + word + "' is not hexadecimal");
            }
            for (int i = 0; i < 32; i++) {
                if ((v & (1L << i)) != 0) {
                    if (base + i > MAX_CPU) {
                        throw new CpuSetFormatException(text, "CPU " + (base + i) + " is above " + MAX_CPU);
                    }
                    b.set(base + i);
                }
            }
        }
        return new CpuSet(b);
    }

    /** Parses virsh's CPU map ({@code yy--}: position i is 'y' when CPU i is in the set, '-' if not). */
    public static CpuSet parseVirshMap(String text) {
        if (text == null) {
            throw new CpuSetFormatException("null", "no text");
        }
        BitSet b = new BitSet();
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == 'y') {
                b.set(i);
            } else if (ch != '-') {
                throw new CpuSetFormatException(text, "virsh map characters must be 'y' or '-', got '" + ch + "'");
            }
        }
        return new CpuSet(b);
    }

    /** The kernel/libvirt list format: {@code 0-3,5}; {@code ""} for the empty set. */
    public String toList() {
        StringBuilder sb = new StringBuilder();
        int i = bits.nextSetBit(0);
        while (i >= 0) {
            int end = bits.nextClearBit(i) - 1;
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(i);
            if (end > i) {
                sb.append('-').append(end);
            }
            i = bits.nextSetBit(end + 1);
        }
        return sb.toString();
    }

    /** The hex mask: 32-bit words most significant first, inner words zero-padded; {@code "0"} if empty. */
    public String toMask() {
        int words = Math.max(1, (bits.length() + 31) / 32);
        StringBuilder sb = new StringBuilder();
        for (int w = words - 1; w >= 0; w--) {
            long v = 0;
            for (int i = 0; i < 32; i++) {
                if (bits.get(w * 32 + i)) {
                    v |= 1L << i;
                }
            }
            String hex = Long.toHexString(v);
            if (w != words - 1) {
                sb.append(',').append("0".repeat(8 - hex.length()));
            }
            sb.append(hex);
        }
        return sb.toString();
    }

    /** virsh's map over CPUs {@code 0..cpuCount-1}: 'y' for members, '-' for the others. */
    public String toVirshMap(int cpuCount) {
        if (cpuCount < 0) {
            throw new IllegalArgumentException("cpuCount " + cpuCount + " must not be negative");
        }
        StringBuilder sb = new StringBuilder(cpuCount);
        for (int i = 0; i < cpuCount; i++) {
            sb.append(bits.get(i) ? 'y' : '-');
        }
        return sb.toString();
    }

    /**
     * Checks that every CPU is below {@code maxCpu} (the host's CPU count).
     *
     * @param original the text the user gave, quoted in the error
     * @return this set
     * @throws CpuSetRangeException {@code CPU 7 in cpulist '7' exceed the maxcpu 2}
     */
    public CpuSet requireWithin(int maxCpu, String original) {
        int last = last();
        if (last >= maxCpu) {
            throw new CpuSetRangeException(bits.nextSetBit(Math.max(0, maxCpu)), original == null ? toList() : original, maxCpu);
        }
        return this;
    }

    public boolean contains(int cpu) {
        return cpu >= 0 && bits.get(cpu);
    }

    /** Members in ascending order. */
    public int[] cpus() {
        return bits.stream().toArray();
    }

    public int size() {
        return bits.cardinality();
    }

    public boolean isEmpty() {
        return bits.isEmpty();
    }

    /** Highest member, or -1 when empty. */
    public int last() {
        return bits.length() - 1;
    }

    /** Lowest member, or -1 when empty. */
    public int first() {
        return bits.nextSetBit(0);
    }

    public CpuSet union(CpuSet other) {
        BitSet b = (BitSet) bits.clone();
        b.or(other.bits);
        return new CpuSet(b);
    }

    public CpuSet intersect(CpuSet other) {
        BitSet b = (BitSet) bits.clone();
        b.and(other.bits);
        return new CpuSet(b);
    }

    public CpuSet minus(CpuSet other) {
        BitSet b = (BitSet) bits.clone();
        b.andNot(other.bits);
        return new CpuSet(b);
    }

    public boolean isSubsetOf(CpuSet other) {
        BitSet b = (BitSet) bits.clone();
        b.andNot(other.bits);
        return b.isEmpty();
    }

    /** A copy of the members as a BitSet. */
    public BitSet toBitSet() {
        return (BitSet) bits.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CpuSet other && bits.equals(other.bits);
    }

    @Override
    public int hashCode() {
        return bits.hashCode();
    }

    /** Same as {@link #toList()}. */
    @Override
    public String toString() {
        return toList();
    }

    private static final class Cursor {
        final String text;
        int pos;

        Cursor(String text) {
            this.text = text;
        }

        boolean atEnd() {
            return pos >= text.length();
        }

        char peek() {
            return text.charAt(pos);
        }

        void next() {
            pos++;
        }

        void skipSpaces() {
            while (!atEnd() && Character.isWhitespace(peek())) {
                pos++;
            }
        }

        int number() {
            int start = pos;
            while (!atEnd() && peek() >= '0' && peek() <= '9') {
                pos++;
            }
            if (start == pos) {
                String what = atEnd() ? "end of text" : "'" + peek() + "'";
                throw new CpuSetFormatException(text, "expected a CPU number at position " + start + ", found " + what);
            }
            if (pos - start > 6) {
                throw new CpuSetFormatException(text, "CPU number " + text.substring(start, pos) + " is above " + MAX_CPU);
            }
            int v = Integer.parseInt(text.substring(start, pos));
            if (v > MAX_CPU) {
                throw new CpuSetFormatException(text, "CPU number " + v + " is above " + MAX_CPU);
            }
            return v;
        }
    }
}
