package io.qtune.core.spec.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.core.InvalidInputException;
import io.qtune.core.spec.HostFacts;
import io.qtune.core.spec.ResolvedTuning;
import io.qtune.core.spec.SpecReader;
import io.qtune.core.spec.SpecValidator;
import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.TuningSpec.IothreadPin;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.core.spec.TuningSpec.VcpuPin;
import io.qtune.core.spec.libvirt.LibvirtDomainXml.Import;
import io.qtune.host.cpu.CpuSet;
import io.qtune.host.sched.SchedPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Domain XML shaped like libvirt's own test inputs (tests/qemuxml2argvdata: cputune*, iothreads*,
 * numatune*, vcpu placement): written here, covering what those cases cover.
 */
class LibvirtDomainXmlTest {
  /** An 8-CPU, 8-node host, so the fixtures' CPUs and nodes exist. */
  static final SpecValidator BIG = new SpecValidator(new HostFacts(CpuSet.range(0, 7), 8,
      Set.of(0, 1, 2, 3, 4, 5, 6, 7), false));

  @TempDir
  Path tmp;

  private static String domain(String body) {
    return "<domain type='kvm'>\n  <name>guest1</name>\n  <memory unit='KiB'>219136</memory>\n" + body
        + "\n  <os><type arch='x86_64' machine='pc'>hvm</type></os>\n"
        + "  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>\n</domain>\n";
  }

  private static Import ok(String xml) {
    Import i = LibvirtDomainXml.parse(xml);
    ImportCheck.validate(i, BIG, "t.xml");
    return i;
  }

  @Test
  void everyCputuneElementQtuneHasAFieldFor() {
    // cputune.xml's shape: shares, period/quota (-1 = unlimited), global and iothread bandwidth, pins
    Import i = ok(domain("""
          <vcpu placement='static'>2</vcpu>
          <cputune>
            <shares>2048</shares>
            <period>1000000</period>
            <quota>-1</quota>
            <global_period>1000000</global_period>
            <global_quota>-1</global_quota>
            <emulator_period>200000</emulator_period>
            <emulator_quota>60000</emulator_quota>
            <iothread_period>1000000</iothread_period>
            <iothread_quota>-1</iothread_quota>
            <vcpupin vcpu='0' cpuset='0'/>
            <vcpupin vcpu='1' cpuset='1'/>
            <emulatorpin cpuset='1'/>
          </cputune>"""));
    TuningSpec s = i.spec();
    assertEquals("guest1", s.name());
    assertEquals(2048L, s.shares());
    assertEquals(1000000L, s.period());
    assertEquals(-1L, s.quota());
    assertEquals(1000000L, s.globalPeriod());
    assertEquals(-1L, s.globalQuota());
    assertEquals(200000L, s.emulatorPeriod());
    assertEquals(60000L, s.emulatorQuota());
    assertEquals(1000000L, s.iothreadPeriod());
    assertEquals(-1L, s.iothreadQuota());
    assertEquals(List.of(new VcpuPin(0, "0"), new VcpuPin(1, "1")), s.vcpupin());
    assertEquals("1", s.emulatorpin());
    assertEquals(2, i.maxVcpus());
    assertEquals(2, i.currentVcpus());
    assertNull(i.warning());
    // the JSON is a spec file: read back, it is the same spec
    assertEquals(s, SpecReader.parse(SpecReader.write(s)));
  }

  @Test
  void iothreadPinsInAnyOrderAndZeroBandwidthIsUnset() {
    // cputune-iothreads.xml's shape: pins in odd order; libvirt's 0 period/quota means "not set"
    Import i = ok(domain("""
          <vcpu placement='static'>2</vcpu>
          <iothreads>2</iothreads>
          <cputune>
            <iothreadpin iothread='2' cpuset='3'/>
            <iothreadpin iothread='1' cpuset='2'/>
            <emulatorpin cpuset='1'/>
            <vcpupin vcpu='1' cpuset='1'/>
            <vcpupin vcpu='0' cpuset='0'/>
            <quota>0</quota>
            <period>0</period>
            <shares>2048</shares>
          </cputune>"""));
    TuningSpec s = i.spec();
    assertEquals(List.of(IothreadSpec.of(1), IothreadSpec.of(2)), s.iothreads());
    assertEquals(List.of(new IothreadPin(2, "3"), new IothreadPin(1, "2")), s.iothreadpin());
    assertNull(s.period());
    assertNull(s.quota());
    ResolvedTuning r = ImportCheck.validate(i, BIG, "t.xml");
    assertEquals(CpuSet.of(2), r.iothreadPins().get(1));
    assertEquals(CpuSet.of(3), r.iothreadPins().get(2));
  }

  @Test
  void iothreadIdsFillUpToTheCountWithTheLowestFreeIds() {
    // iothreads-ids-partial.xml's shape: 4 iothreads, ids 2 and 5 given -> libvirt adds 1 and 3
    Import i = ok(domain("""
          <vcpu placement='static'>2</vcpu>
          <iothreads>4</iothreads>
          <iothreadids>
            <iothread id='5'/>
            <iothread id='2'/>
          </iothreadids>"""));
    assertEquals(List.of(1, 2, 3, 5), i.spec().iothreads().stream().map(IothreadSpec::id).toList());
  }

  @Test
  void pollAndPoolSettingsAndWhatQtuneLacksGoToOneWarning() {
    // iothreads-ids-pool-sizes.xml plus formatdomain's <poll>: pool sizes and poll settings map;
    // <defaultiothread> and poll weight have no qtune field
    Import i = ok(domain("""
          <vcpu placement='static'>6</vcpu>
          <iothreads>3</iothreads>
          <iothreadids>
            <iothread id='2' thread_pool_min='0' thread_pool_max='60'/>
            <iothread id='3' thread_pool_min='2' thread_pool_max='32'>
              <poll max='123' grow='456' shrink='789' weight='3'/>
            </iothread>
            <iothread id='1'/>
          </iothreadids>
          <defaultiothread thread_pool_min='8' thread_pool_max='16'/>"""));
    List<IothreadSpec> io = i.spec().iothreads();
    assertEquals(List.of(1, 2, 3), io.stream().map(IothreadSpec::id).toList());
    assertEquals(new IothreadSpec(2, null, null, null, null, 0, 60), io.get(1));
    assertEquals(new IothreadSpec(3, 123L, 456L, 789L, null, 2, 32), io.get(2));
    assertEquals(2, i.unsupported().size(), i.unsupported().toString());
    String w = i.warning();
    assertTrue(w.contains("<iothreadids><iothread id='3'><poll weight>"), w);
    assertTrue(w.contains("<defaultiothread>"), w);
  }

  @Test
  void vcpuCpusetIsTheDefaultForEveryThreadWithoutItsOwnPin() {
    // vcpu placement static with a cpuset (libvirt syntax, ^ excludes) and current < max:
    // qemuProcessSetupPid uses def->cpumask for vCPUs, the emulator and iothreads lacking a pin
    Import i = ok(domain("""
          <vcpu placement='static' cpuset='1-4,^3,6' current='2'>4</vcpu>
          <iothreads>2</iothreads>
          <cputune>
            <vcpupin vcpu='2' cpuset='7'/>
            <iothreadpin iothread='2' cpuset='5'/>
          </cputune>"""));
    TuningSpec s = i.spec();
    assertEquals(List.of(new VcpuPin(0, "1-4,^3,6"), new VcpuPin(1, "1-4,^3,6"), new VcpuPin(2, "7"),
        new VcpuPin(3, "1-4,^3,6")), s.vcpupin());
    assertEquals("1-4,^3,6", s.emulatorpin());
    assertEquals(List.of(new IothreadPin(1, "1-4,^3,6"), new IothreadPin(2, "5")), s.iothreadpin());
    assertEquals(4, i.maxVcpus());
    assertEquals(2, i.currentVcpus());
    assertEquals("2,maxcpus=4", i.smp());
    ResolvedTuning r = ImportCheck.validate(i, BIG, "t.xml");
    assertEquals(CpuSet.parse("1,2,4,6"), r.vcpuPins().get(0));
    assertEquals(CpuSet.parse("1,2,4,6"), r.emulatorPin().orElseThrow());
  }

  @Test
  void numatuneMemoryMapsAndMemnodeIsListed() {
    // numatune-memnode.xml's shape: <memory> plus per-cell <memnode>s
    Import i = ok(domain("""
          <vcpu placement='static'>2</vcpu>
          <numatune>
            <memnode cellid='0' mode='preferred' nodeset='3'/>
            <memory mode='strict' nodeset='0-7'/>
            <memnode cellid='2' mode='strict' nodeset='1-2,5-7,^6'/>
          </numatune>"""));
    assertEquals(new TuningSpec.NumaTune("strict", "0-7"), i.spec().numatune());
    assertEquals(2, i.unsupported().size());
    assertTrue(i.warning().startsWith("not imported (qtune does not do these): <numatune><memnode>"), i.warning());
    // mode defaults to strict, as in libvirt; interleave maps as it is
    assertEquals(new TuningSpec.NumaTune("strict", "1"),
        ok(domain("<numatune><memory nodeset='1'/></numatune>")).spec().numatune());
    assertEquals(new TuningSpec.NumaTune("interleave", "0-1"),
        ok(domain("<numatune><memory mode='interleave' nodeset='0-1'/></numatune>")).spec().numatune());
    Import auto = ok(domain("""
          <vcpu placement='auto'>2</vcpu>
          <numatune><memory mode='strict' placement='auto'/></numatune>"""));
    assertNull(auto.spec().numatune());
    assertEquals(List.of("<vcpu placement='auto'> (numad's advice)",
        "<numatune><memory placement='auto'> (numad's advice)"), auto.unsupported());
  }

  @Test
  void schedulersMapAndRealtimeCanBeSetAside() {
    // cputune-iothreadsched / vcpusched shapes
    Import i = ok(domain("""
          <vcpu placement='static'>4</vcpu>
          <iothreads>2</iothreads>
          <cputune>
            <vcpusched vcpus='0-1' scheduler='fifo' priority='10'/>
            <vcpusched vcpus='2' scheduler='batch'/>
            <iothreadsched iothreads='1-2' scheduler='rr' priority='5'/>
            <emulatorsched scheduler='fifo' priority='1'/>
          </cputune>"""));
    ResolvedTuning r = ImportCheck.validate(i, BIG, "t.xml");
    assertEquals(SchedPolicy.FIFO, r.vcpuSched().get(1).policy());
    assertEquals(SchedPolicy.BATCH, r.vcpuSched().get(2).policy());
    assertEquals(SchedPolicy.RR, r.iothreadSched().get(2).policy());
    assertEquals(SchedPolicy.FIFO, r.emulatorSched().orElseThrow().policy());

    Import noRt = i.withoutRealtime("no RT here");
    assertEquals(1, noRt.spec().vcpusched().size());
    assertEquals("batch", noRt.spec().vcpusched().get(0).scheduler());
    assertTrue(noRt.spec().iothreadsched().isEmpty());
    assertNull(noRt.spec().emulatorsched());
    assertEquals(3, noRt.unsupported().size(), noRt.unsupported().toString());
    assertTrue(noRt.warning().contains("<cputune><emulatorsched scheduler='fifo'> (no RT here)"), noRt.warning());
  }

  @Test
  void cachetuneMemorytuneAndZeroSharesAreNeverDroppedSilently() {
    Import i = ok(domain("""
          <vcpu placement='static'>2</vcpu>
          <cputune>
            <shares>0</shares>
            <cachetune vcpus='0-1'><cache id='0' level='3' type='both' size='3' unit='MiB'/></cachetune>
            <memorytune vcpus='0-1'><node id='0' bandwidth='60'/></memorytune>
          </cputune>
          <vcpus><vcpu id='0' enabled='yes' hotpluggable='no'/></vcpus>"""));
    assertEquals(2L, i.spec().shares());
    assertEquals(4, i.unsupported().size(), i.unsupported().toString());
    String w = i.warning();
    for (String e : List.of("<cputune><cachetune>", "<cputune><memorytune>", "<cputune><shares> 0", "<vcpus>")) {
      assertTrue(w.contains(e), e + " missing from: " + w);
    }
  }

  @Test
  void invalidTuningNamesTheElement() {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> ok(domain("""
          <vcpu placement='static'>2</vcpu>
          <cputune>
            <shares>1</shares>
            <quota>999</quota>
            <vcpupin vcpu='5' cpuset='0'/>
            <emulatorpin cpuset='1-0'/>
            <iothreadpin iothread='3' cpuset='0'/>
          </cputune>
          <numatune><memory mode='strict' nodeset='9'/></numatune>""")));
    List<String> p = e.problems();
    assertEquals(6, p.size(), p.toString());
    assertTrue(p.contains("t.xml: <cputune><iothreadpin>: iothread 3 not found"), p.toString());
    assertTrue(p.contains("t.xml: <cputune><shares>: shares '1' must be in range [2, 262144]"), p.toString());
    assertTrue(p.contains("t.xml: <cputune><quota>: value of 'vcpu_quota' is out of range [1000, 17592186044415]"),
        p.toString());
    assertTrue(p.contains("t.xml: <cputune><vcpupin>: vcpu 5 is out of range of live cpu count 2"), p.toString());
    assertTrue(p.stream().anyMatch(x -> x.startsWith("t.xml: <cputune><emulatorpin>: Invalid cpulist '1-0'")),
        p.toString());
    assertTrue(p.stream().anyMatch(x -> x.startsWith("t.xml: <numatune><memory>: numatune.nodeset: NUMA node 9")),
        p.toString());

    InvalidInputException syntax = assertThrows(InvalidInputException.class, () -> LibvirtDomainXml.parse(domain(
        "<vcpu current='3'>2</vcpu><cputune><period>lots</period><vcpupin cpuset='0'/></cputune>")));
    assertEquals(List.of("domain XML: <vcpu current>: 3 must be between 1 and the maximum 2",
        "domain XML: <cputune><period>: 'lots' is not an integer",
        "domain XML: <cputune><vcpupin>: the vcpu attribute is required"), syntax.problems());

    InvalidInputException name = assertThrows(InvalidInputException.class,
        () -> ok(domain("").replace("<name>guest1</name>", "<name>../../etc</name>")));
    assertTrue(name.getMessage().startsWith("t.xml: <name>: "), name.getMessage());
    assertThrows(InvalidInputException.class, () -> LibvirtDomainXml.parse("<network><name>x</name></network>"));
    assertThrows(InvalidInputException.class, () -> LibvirtDomainXml.parse("<domain><name>x</name>"));
  }

  @Test
  void externalEntitiesAreRefusedAndNeverRead() throws Exception {
    Path secret = tmp.resolve("secret");
    Files.writeString(secret, "TOPSECRET-42");
    String xxe = "<?xml version='1.0'?>\n<!DOCTYPE domain [<!ENTITY s SYSTEM 'file://" + secret + "'>]>\n"
        + domain("").replace("<name>guest1</name>", "<name>&s;</name>");
    Path file = tmp.resolve("xxe.xml");
    Files.writeString(file, xxe);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> LibvirtDomainXml.read(file));
    assertTrue(e.getMessage().contains("DOCTYPE declaration is refused"), e.getMessage());
    assertFalse(e.getMessage().contains("TOPSECRET"), e.getMessage());

    // a parameter entity fetching an external DTD: refused before anything is fetched
    Path dtd = tmp.resolve("evil.dtd");
    Files.writeString(dtd, "<!ENTITY leak 'TOPSECRET-42'>");
    String param = "<?xml version='1.0'?>\n<!DOCTYPE domain [<!ENTITY % ext SYSTEM 'file://" + dtd + "'> %ext;]>\n"
        + domain("").replace("<name>guest1</name>", "<name>&leak;</name>");
    InvalidInputException p = assertThrows(InvalidInputException.class, () -> LibvirtDomainXml.parse(param));
    assertFalse(p.getMessage().contains("TOPSECRET"), p.getMessage());
    // and a DOCTYPE naming an external DTD only
    assertThrows(InvalidInputException.class, () -> LibvirtDomainXml.parse(
        "<!DOCTYPE domain SYSTEM 'file://" + dtd + "'>" + domain("")));
  }

  @Test
  void billionLaughsIsRefused() {
    StringBuilder dtd = new StringBuilder("<!DOCTYPE domain [<!ENTITY lol0 'lol'>");
    for (int n = 1; n <= 9; n++) {
      dtd.append("<!ENTITY lol").append(n).append(" '");
      for (int k = 0; k < 10; k++) {
        dtd.append("&lol").append(n - 1).append(';');
      }
      dtd.append("'>");
    }
    dtd.append("]>");
    String bomb = dtd + domain("").replace("<name>guest1</name>", "<name>&lol9;</name>");
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> LibvirtDomainXml.parse(bomb));
    assertTrue(e.getMessage().contains("DOCTYPE"), e.getMessage());
  }

  @Test
  void theOracleDomainImportsAsTheTuningLibvirtApplied() {
    // /work/shared/reference/libvirt-oracle-domain.xml, the domain behind libvirt-oracle-observations.md
    Import i = LibvirtDomainXml.parse(ORACLE);
    TuningSpec s = i.spec();
    assertEquals("oracle1", s.name());
    assertEquals("2,maxcpus=4", i.smp());
    assertEquals(List.of(IothreadSpec.of(1), IothreadSpec.of(2)), s.iothreads());
    assertEquals(List.of(new VcpuPin(0, "0"), new VcpuPin(1, "1")), s.vcpupin());
    assertEquals("1", s.emulatorpin());
    assertEquals(List.of(new IothreadPin(1, "1")), s.iothreadpin());
    assertEquals(List.of(2048L, 100000L, 50000L, 100000L, 180000L, 200000L, 60000L, 100000L, 40000L),
        List.of(s.shares(), s.period(), s.quota(), s.globalPeriod(), s.globalQuota(), s.emulatorPeriod(),
            s.emulatorQuota(), s.iothreadPeriod(), s.iothreadQuota()));
    assertNull(i.warning());
    ImportCheck.validate(i, new SpecValidator(new HostFacts(CpuSet.range(0, 1), 2, Set.of(0), false)), "oracle");
  }

  static final String ORACLE = """
      <domain type='kvm'>
        <name>oracle1</name>
        <uuid>6f0e4a5c-7d1b-4b7e-9a63-0a1c2e3f4d51</uuid>
        <memory unit='MiB'>128</memory>
        <vcpu placement='static' current='2'>4</vcpu>
        <iothreads>2</iothreads>
        <cputune>
          <shares>2048</shares>
          <period>100000</period>
          <quota>50000</quota>
          <global_period>100000</global_period>
          <global_quota>180000</global_quota>
          <emulator_period>200000</emulator_period>
          <emulator_quota>60000</emulator_quota>
          <iothread_period>100000</iothread_period>
          <iothread_quota>40000</iothread_quota>
          <vcpupin vcpu='0' cpuset='0'/>
          <vcpupin vcpu='1' cpuset='1'/>
          <emulatorpin cpuset='1'/>
          <iothreadpin iothread='1' cpuset='1'/>
        </cputune>
        <os><type arch='x86_64' machine='pc'>hvm</type></os>
        <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
      </domain>
      """;
}
