package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qtune.core.IothreadInfo;
import io.qtune.core.SchedInfo;
import io.qtune.core.ThreadPlacement;
import io.qtune.core.VcpuInfo;
import io.qtune.host.cpu.CpuSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VirshTextTest {
  @Test
  void vcpuinfoBlocksAsVirshPrintsThem() {
    List<VcpuInfo> v = List.of(new VcpuInfo(0, 101, 1, "running", 3_279_400_000_000L, CpuSet.parse("0-1")),
        new VcpuInfo(1, 102, 0, "sleeping", 0, CpuSet.parse("1")),
        new VcpuInfo(2, 103, -1, "sleeping", 0, CpuSet.parse("0-1")));
    assertEquals(""
        + "VCPU:           0\n"
        + "CPU:            1\n"
        + "State:          running\n"
        + "CPU time:       3279.4s\n"
        + "CPU Affinity:   yy\n"
        + "\n"
        + "VCPU:           1\n"
        + "CPU:            0\n"
        + "State:          sleeping\n"
        + "CPU Affinity:   -y\n"
        + "\n"
        + "VCPU:           2\n"
        + "CPU:            N/A\n"
        + "State:          sleeping\n"
        + "CPU Affinity:   yy\n", VirshText.vcpuInfo(v, 2));
  }

  @Test
  void schedinfoAsTheSeedShowsIt() {
    SchedInfo s = new SchedInfo(false, 1024, 100000L, 20000L, 100000L, -1L, 100000, -1, 100000L, -1L);
    assertEquals(""
        + "Scheduler      : posix\n"
        + "cpu_shares     : 1024\n"
        + "vcpu_period    : 100000\n"
        + "vcpu_quota     : 20000\n"
        + "emulator_period: 100000\n"
        + "emulator_quota : -1\n"
        + "global_period  : 100000\n"
        + "global_quota   : -1\n"
        + "iothread_period: 100000\n"
        + "iothread_quota : -1\n", VirshText.schedInfo(s));
  }

  @Test
  void cgroupV2ShowsWeightAndMissingLevelsAsZero() {
    SchedInfo s = new SchedInfo(true, 100, 100000L, -1L, 100000L, -1L, 100000, -1, null, null);
    String t = VirshText.schedInfo(s);
    assertEquals(true, t.contains("cpu_weight     : 100\n"), t);
    assertEquals(true, t.endsWith("iothread_period: 0\niothread_quota : 0\n"), t);
  }

  @Test
  void emulatorpinAndIothreadinfo() {
    assertEquals("emulator: CPU Affinity\n----------------------------------\n       *: 0-1\n",
        VirshText.emulatorPin(CpuSet.parse("0-1"), true));
    assertEquals("       *: 1\n", VirshText.emulatorPin(CpuSet.parse("1"), false));
    assertEquals(" IOThread ID   CPU Affinity\n-----------------------------\n 4             1-2\n",
        VirshText.iothreadInfo(List.of(new IothreadInfo(4, 9, CpuSet.parse("1-2"), 32768, 0, 0)), true));
    assertEquals("No IOThreads found for the domain", VirshText.iothreadInfo(List.of(), true));
  }

  @Test
  void vcpupinTable() {
    assertEquals(" VCPU   CPU Affinity\n----------------------\n 0      2-3\n",
        VirshText.vcpuPins(Map.of(0, CpuSet.parse("2-3")), true));
  }

  @Test
  void secondsRoundLikePrintf() {
    assertEquals("3279.4", VirshText.seconds(3_279_400_000_000L, 10));
    assertEquals("0.0", VirshText.seconds(0, 10));
    assertEquals("0.05", VirshText.seconds(50_000_000L, 100));
    assertEquals("1.00", VirshText.seconds(999_999_999L, 100));
    assertEquals("12.30", VirshText.seconds(12_300_000_000L, 100));
  }

  @Test
  void psShowsWhereEachThreadShouldBeAndMarksStrays() {
    String d = "/machine/qemu-1-vm1.libvirt-qemu";
    List<ThreadPlacement> ps = List.of(
        new ThreadPlacement(100, "qemu-system-x86", "emulator", d + "/emulator", CpuSet.parse("0"), 0,
            40_000_000L, 'S', d + "/emulator", CpuSet.parse("0"), false),
        new ThreadPlacement(104, "kvm-nx-lpage-re", "emulator", d + "/vcpu1", CpuSet.parse("1"), 1,
            0, 'S', d + "/emulator", CpuSet.parse("0"), true),
        new ThreadPlacement(102, "CPU 1/KVM", "vcpu1", d + "/vcpu1", CpuSet.parse("1"), 1,
            0, 'R', d + "/vcpu1", CpuSet.parse("1"), false));
    assertEquals(""
        + "TID ROLE     PSR S  TIME AFFINITY WANT COMM            GROUP                                     WANT-GROUP                                STRAY\n"
        + "100 emulator   0 S 0.04s 0        =    qemu-system-x86 /machine/qemu-1-vm1.libvirt-qemu/emulator =\n"
        + "104 emulator   1 S 0.00s 1        0    kvm-nx-lpage-re /machine/qemu-1-vm1.libvirt-qemu/vcpu1    /machine/qemu-1-vm1.libvirt-qemu/emulator stray\n"
        + "102 vcpu1      1 R 0.00s 1        =    CPU 1/KVM       /machine/qemu-1-vm1.libvirt-qemu/vcpu1    =\n",
        VirshText.threads(ps, true));
    ThreadPlacement unplaced = new ThreadPlacement(100, "qemu-system-x86", "emulator", "/user.slice",
        CpuSet.parse("0-1"), 0, 0, 'S', null, null, false);
    assertEquals("100 emulator 0 S 0.00s 0-1 - qemu-system-x86 /user.slice -\n",
        VirshText.threads(List.of(unplaced), false));
  }
}
