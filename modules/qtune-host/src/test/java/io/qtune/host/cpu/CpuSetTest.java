package io.qtune.host.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CpuSetTest {

    @Test
    void parsesLibvirtSyntax() {
        assertEquals(CpuSet.of(0, 1, 3), CpuSet.parse("0-3,^2"));
        assertEquals(CpuSet.of(1, 3, 4, 5), CpuSet.parse("1,3-5"));
        assertEquals(CpuSet.of(1, 3, 4, 5), CpuSet.parse(" 1 , 3 - 5 "));
        assertEquals(CpuSet.of(7), CpuSet.parse("7"));
        // applied left to right as virBitmapParse does
        assertEquals(CpuSet.range(0, 3), CpuSet.parse("^2,0-3"));
        assertEquals(CpuSet.empty(), CpuSet.parse("^1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1-0", "-1", "a", "", "   ", "1,", ",1", "1-", "0-3,^1-2", "1 2", "0x3", "99999999"})
    void refusesBadLibvirtText(String text) {
        CpuSetFormatException e = assertThrows(CpuSetFormatException.class, () -> CpuSet.parse(text));
        assertTrue(e.getMessage().startsWith("Failed to parse bitmap '" + text + "'"), e.getMessage());
        assertEquals(text, e.text());
    }

    @Test
    void reversedRangeMessageIsLibvirts() {
        CpuSetFormatException e = assertThrows(CpuSetFormatException.class, () -> CpuSet.parse("1-0"));
        assertEquals("Failed to parse bitmap '1-0': range end 0 is below its start 1", e.getMessage());
        assertTrue(e instanceof IllegalArgumentException);
    }

    @Test
    void kernelListFormat() {
        assertEquals(CpuSet.empty(), CpuSet.parseList(""));
        assertEquals(CpuSet.empty(), CpuSet.parseList("\n"));
        assertEquals(CpuSet.of(0, 1, 2, 3, 5), CpuSet.parseList("0-3,5\n"));
        assertEquals("0-3,5", CpuSet.of(0, 1, 2, 3, 5).toList());
        assertEquals("", CpuSet.empty().toList());
        assertEquals("0,2,4-6", CpuSet.parseList("0,2,4-6").toString());
        assertThrows(CpuSetFormatException.class, () -> CpuSet.parseList("3-1"));
        assertThrows(CpuSetFormatException.class, () -> CpuSet.parseList("0 - 1"));
    }

    @Test
    void hexMask() {
        assertEquals(CpuSet.range(0, 39), CpuSet.parseMask("ff,ffffffff"));
        assertEquals("ff,ffffffff", CpuSet.range(0, 39).toMask());
        assertEquals(CpuSet.of(0, 1), CpuSet.parseMask("3"));
        assertEquals(CpuSet.of(0, 1), CpuSet.parseMask("00000000,00000003"));
        assertEquals("3", CpuSet.of(0, 1).toMask());
        assertEquals("0", CpuSet.empty().toMask());
        assertEquals(CpuSet.of(32), CpuSet.parseMask("1,00000000"));
        assertEquals("1,00000000", CpuSet.of(32).toMask());
        assertThrows(CpuSetFormatException.class, () -> CpuSet.parseMask("xyz"));
        assertThrows(CpuSetFormatException.class, () -> CpuSet.parseMask("123456789"));
        assertThrows(CpuSetFormatException.class, () -> CpuSet.parseMask(""));
    }

    @Test
    void virshMap() {
        assertEquals("yy--", CpuSet.of(0, 1).toVirshMap(4));
        assertEquals("-y-y", CpuSet.of(1, 3).toVirshMap(4));
        assertEquals(CpuSet.of(1, 3), CpuSet.parseVirshMap("-y-y"));
        assertThrows(CpuSetFormatException.class, () -> CpuSet.parseVirshMap("yn"));
    }

    @Test
    void requireWithinUsesVirshWording() {
        CpuSetRangeException e = assertThrows(CpuSetRangeException.class,
                () -> CpuSet.parse("7").requireWithin(2, "7"));
        assertEquals("CPU 7 in cpulist '7' exceed the maxcpu 2", e.getMessage());
        assertEquals(7, e.cpu());
        e = assertThrows(CpuSetRangeException.class, () -> CpuSet.parse("0,3-4").requireWithin(2, "0,3-4"));
        assertEquals("CPU 3 in cpulist '0,3-4' exceed the maxcpu 2", e.getMessage());
        CpuSet ok = CpuSet.of(0, 1);
        assertSame(ok, ok.requireWithin(2, "0-1"));
    }

    @Test
    void setAlgebraAndAccessors() {
        CpuSet a = CpuSet.range(0, 3);
        CpuSet b = CpuSet.of(2, 5);
        assertEquals(CpuSet.of(0, 1, 2, 3, 5), a.union(b));
        assertEquals(CpuSet.of(2), a.intersect(b));
        assertEquals(CpuSet.of(0, 1, 3), a.minus(b));
        assertTrue(CpuSet.of(1, 2).isSubsetOf(a));
        assertFalse(b.isSubsetOf(a));
        assertArrayEquals(new int[] {2, 5}, b.cpus());
        assertEquals(5, b.last());
        assertEquals(2, b.first());
        assertEquals(-1, CpuSet.empty().last());
        assertTrue(b.contains(5));
        assertFalse(b.contains(-1));
        assertEquals(2, b.size());
        assertTrue(CpuSet.empty().isEmpty());
        assertEquals(a.hashCode(), CpuSet.parse("0-3").hashCode());
        assertThrows(IllegalArgumentException.class, () -> CpuSet.of(-1));
        assertThrows(IllegalArgumentException.class, () -> CpuSet.range(3, 1));
    }

    @Test
    void immutable() {
        CpuSet a = CpuSet.of(1);
        BitSet copy = a.toBitSet();
        copy.set(9);
        assertEquals(CpuSet.of(1), a);
        a.union(CpuSet.of(4));
        assertEquals(CpuSet.of(1), a);
    }

    /** parse ∘ format = identity, for every format, on thousands of random sets. */
    @Test
    void roundTripsOnRandomSets() {
        Random rnd = new Random(20261122L);
        for (int i = 0; i < 5000; i++) {
            CpuSet s = randomSet(rnd);
            assertEquals(s, CpuSet.parse(s.toList().isEmpty() ? "^0" : s.toList()), "libvirt " + s);
            assertEquals(s, CpuSet.parseList(s.toList()), "list " + s);
            assertEquals(s, CpuSet.parseMask(s.toMask()), "mask " + s);
            assertEquals(s, CpuSet.parseVirshMap(s.toVirshMap(s.last() + 1 + rnd.nextInt(3))), "virsh " + s);
            // and format ∘ parse = identity on canonical text
            assertEquals(s.toList(), CpuSet.parseList(s.toList()).toList());
            assertEquals(s.toMask(), CpuSet.parseMask(s.toMask()).toMask());
            // libvirt text with spaces and exclusions means the same set
            assertEquals(s, CpuSet.parse(spacedWithExclusion(s, rnd)), "spaced " + s);
        }
    }

    private static CpuSet randomSet(Random rnd) {
        BitSet b = new BitSet();
        int max = switch (rnd.nextInt(4)) {
            case 0 -> 4;
            case 1 -> 64;
            case 2 -> 300;
            default -> 5000;
        };
        int n = rnd.nextInt(12);
        for (int i = 0; i < n; i++) {
            int start = rnd.nextInt(max);
            int len = rnd.nextBoolean() ? 1 : 1 + rnd.nextInt(40);
            b.set(start, Math.min(start + len, CpuSet.MAX_CPU + 1));
        }
        return CpuSet.fromBitSet(b);
    }

    private static String spacedWithExclusion(CpuSet s, Random rnd) {
        int extra = s.last() + 1 + rnd.nextInt(5);
        String base = s.isEmpty() ? String.valueOf(extra) : s.toList().replace(",", " , ").replace("-", " - ");
        return " " + base + " , " + extra + " , ^" + extra + " ";
    }
}
