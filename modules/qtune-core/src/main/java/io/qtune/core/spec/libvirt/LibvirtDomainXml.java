package io.qtune.core.spec.libvirt;

import io.qtune.core.InvalidInputException;
import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.TuningSpec.EmulatorSched;
import io.qtune.core.spec.TuningSpec.IothreadPin;
import io.qtune.core.spec.TuningSpec.IothreadSched;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.core.spec.TuningSpec.NumaTune;
import io.qtune.core.spec.TuningSpec.VcpuPin;
import io.qtune.core.spec.TuningSpec.VcpuSched;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * A libvirt domain XML read as a {@link TuningSpec}: {@code <name>}, {@code <vcpu>},
 * {@code <iothreads>}/{@code <iothreadids>}, {@code <cputune>} and {@code <numatune>}. What
 * qtune has no field for under those elements is collected in {@link Import#unsupported()}, never
 * dropped silently. The rest of the domain (devices, memory, os) is QEMU's command line, not read.
 *
 * <p>The document is parsed with DOCTYPE declarations refused: a domain XML has none, and refusing
 * them is what stops external entities (XXE) and entity expansion (billion laughs).
 */
public final class LibvirtDomainXml {
  /** Largest document read: a domain XML is a few KiB; this only bounds a hostile input. */
  static final long MAX_BYTES = 4L << 20;

  private static final Set<String> CPUTUNE = Set.of("shares", "period", "quota", "global_period",
      "global_quota", "emulator_period", "emulator_quota", "iothread_period", "iothread_quota",
      "vcpupin", "emulatorpin", "iothreadpin", "vcpusched", "iothreadsched", "emulatorsched");

  /**
   * The import.
   *
   * @param spec the tuning, not validated yet ({@link LibvirtImport#validate})
   * @param maxVcpus {@code <vcpu>}'s value: vCPUs QEMU can have (maxcpus)
   * @param currentVcpus {@code <vcpu current=>}: vCPUs online at start (QEMU's -smp cpus)
   * @param unsupported what the domain asks for that qtune does not do, one entry each
   */
  public record Import(TuningSpec spec, int maxVcpus, int currentVcpus, List<String> unsupported) {
    public Import {
      unsupported = List.copyOf(unsupported);
    }

    /** The one warning for everything not imported, or {@code null} when all was. */
    public String warning() {
      return unsupported.isEmpty() ? null
          : "not imported (qtune does not do these): " + String.join("; ", unsupported);
    }

    /**
     * This import without its realtime policies (fifo, rr), which move to {@link #unsupported()}:
     * for a host where a thread in a vCPU/emulator/iothread group cannot get one ({@code why}).
     */
    public Import withoutRealtime(String why) {
      List<String> dropped = new ArrayList<>(unsupported);
      List<VcpuSched> vs = new ArrayList<>();
      for (VcpuSched s : spec.vcpusched()) {
        if (realtime(s.scheduler())) {
          dropped.add("<cputune><vcpusched vcpus='" + s.vcpus() + "' scheduler='" + s.scheduler() + "'> (" + why + ")");
        } else {
          vs.add(s);
        }
      }
      List<IothreadSched> is = new ArrayList<>();
      for (IothreadSched s : spec.iothreadsched()) {
        if (realtime(s.scheduler())) {
          dropped.add("<cputune><iothreadsched iothreads='" + s.iothreads() + "' scheduler='" + s.scheduler()
              + "'> (" + why + ")");
        } else {
          is.add(s);
        }
      }
      EmulatorSched es = spec.emulatorsched();
      if (es != null && realtime(es.scheduler())) {
        dropped.add("<cputune><emulatorsched scheduler='" + es.scheduler() + "'> (" + why + ")");
        es = null;
      }
      TuningSpec s = spec;
      TuningSpec out = new TuningSpec(s.name(), s.iothreads(), s.vcpupin(), s.emulatorpin(), s.iothreadpin(),
          s.shares(), s.weight(), s.period(), s.quota(), s.globalPeriod(), s.globalQuota(), s.emulatorPeriod(),
          s.emulatorQuota(), s.iothreadPeriod(), s.iothreadQuota(), vs, is, es, s.numatune());
      return new Import(out, maxVcpus, currentVcpus, dropped);
    }

    private static boolean realtime(String scheduler) {
      return "fifo".equals(scheduler) || "rr".equals(scheduler);
    }

    /** QEMU's {@code -smp} value for this domain's vCPUs. */
    public String smp() {
      return currentVcpus == maxVcpus ? Integer.toString(maxVcpus)
          : currentVcpus + ",maxcpus=" + maxVcpus;
    }
  }

  private final String source;
  private final List<String> problems = new ArrayList<>();
  private final List<String> unsupported = new ArrayList<>();

  private LibvirtDomainXml(String source) {
    this.source = source;
  }

  /** Reads a domain XML file; every problem is an {@link InvalidInputException} naming the element. */
  public static Import read(Path file) {
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new InvalidInputException(file + ": larger than " + MAX_BYTES + " bytes; not a domain XML");
      }
      try (InputStream in = Files.newInputStream(file)) {
        return new LibvirtDomainXml(file.toString()).parse(new InputSource(in));
      }
    } catch (IOException e) {
      throw new InvalidInputException("cannot read domain XML " + file + ": " + e.getMessage());
    }
  }

  /** Parses domain XML text. */
  public static Import parse(String xml) {
    if (xml.length() > MAX_BYTES) {
      throw new InvalidInputException("domain XML: larger than " + MAX_BYTES + " bytes");
    }
    return new LibvirtDomainXml("domain XML").parse(new InputSource(new java.io.StringReader(xml)));
  }

  static DocumentBuilder safeBuilder() {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      // no DOCTYPE at all: no external DTD, no entity declarations, so no XXE and no expansion bomb
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature("http://xml.org/sax/features/external-general-entities", false);
      f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
      f.setXIncludeAware(false);
      f.setExpandEntityReferences(false);
      f.setNamespaceAware(false);
      DocumentBuilder b = f.newDocumentBuilder();
      b.setEntityResolver((publicId, systemId) -> {
        throw new SAXException("external entity '" + systemId + "' refused");
      });
      b.setErrorHandler(null);
      return b;
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("the JDK's XML parser lacks a safety feature: " + e.getMessage(), e);
    }
  }

  private Import parse(InputSource in) {
    Document doc;
    try {
      doc = safeBuilder().parse(in);
    } catch (SAXParseException e) {
      String why = e.getMessage();
      if (why != null && why.contains("DOCTYPE")) {
        why = "a DOCTYPE declaration is refused (a domain XML has none; it could declare external or "
            + "expanding entities)";
      }
      throw new InvalidInputException(source + " is not a domain XML: " + why + " (line " + e.getLineNumber() + ")");
    } catch (SAXException | IOException e) {
      throw new InvalidInputException(source + " is not a domain XML: " + e.getMessage());
    }
    Element domain = doc.getDocumentElement();
    if (!"domain".equals(domain.getTagName())) {
      throw new InvalidInputException(source + ": the root element is <" + domain.getTagName()
          + ">, not <domain>");
    }

    String name = text(child(domain, "name"));
    int[] vcpus = vcpus(domain);
    int max = vcpus[0];
    int current = vcpus[1];
    String defaultCpus = attr(child(domain, "vcpu"), "cpuset");
    if (child(domain, "vcpus") != null) {
      unsupported.add("<vcpus> (per-vCPU enabled/hotpluggable/order: the QEMU command line decides which "
          + "vCPUs are online)");
    }

    Map<Integer, IothreadSpec> iothreads = iothreads(domain);
    Tune tune = cputune(child(domain, "cputune"), max, iothreads.keySet(), defaultCpus);
    NumaTune numa = numatune(child(domain, "numatune"));

    if (!problems.isEmpty()) {
      throw new InvalidInputException(problems.stream().map(p -> source + ": " + p).toList());
    }
    TuningSpec spec = new TuningSpec(name, List.copyOf(iothreads.values()), tune.vcpupin, tune.emulatorpin,
        tune.iothreadpin, tune.shares, null, tune.period, tune.quota, tune.globalPeriod, tune.globalQuota,
        tune.emulatorPeriod, tune.emulatorQuota, tune.iothreadPeriod, tune.iothreadQuota, tune.vcpusched,
        tune.iothreadsched, tune.emulatorsched, numa);
    return new Import(spec, max, current, unsupported);
  }

  // ------------------------------------------------------------------ <vcpu>

  /** {@code <vcpu placement cpuset current>N</vcpu>}: max and current (libvirt's default: 1). */
  private int[] vcpus(Element domain) {
    Element vcpu = child(domain, "vcpu");
    if (vcpu == null) {
      return new int[] {1, 1};
    }
    Integer max = integer("<vcpu>", text(vcpu));
    if (max == null || max < 1) {
      problems.add("<vcpu>: the vCPU count must be a positive integer, got '" + text(vcpu) + "'");
      return new int[] {1, 1};
    }
    int current = max;
    String cur = attr(vcpu, "current");
    if (cur != null) {
      Integer c = integer("<vcpu current>", cur);
      if (c != null && (c < 1 || c > max)) {
        problems.add("<vcpu current>: " + c + " must be between 1 and the maximum " + max);
      } else if (c != null) {
        current = c;
      }
    }
    String placement = attr(vcpu, "placement");
    if ("auto".equals(placement)) {
      unsupported.add("<vcpu placement='auto'> (numad's advice)");
    } else if (placement != null && !"static".equals(placement)) {
      problems.add("<vcpu placement>: '" + placement + "' is not one of static, auto");
    }
    return new int[] {max, current};
  }

  // ------------------------------------------------------------------ iothreads

  /**
   * {@code <iothreads>N</iothreads>} and {@code <iothreadids>}: the listed ids, then (as libvirt
   * does) the lowest unused ids from 1 until there are N.
   */
  private Map<Integer, IothreadSpec> iothreads(Element domain) {
    Map<Integer, IothreadSpec> out = new LinkedHashMap<>();
    Element ids = child(domain, "iothreadids");
    if (ids != null) {
      for (Element io : children(ids)) {
        if (!io.getTagName().equals("iothread")) {
          unsupported.add("<iothreadids><" + io.getTagName() + ">");
          continue;
        }
        Integer id = integer("<iothreadids><iothread id>", attr(io, "id"));
        if (id == null) {
          continue;
        }
        if (id <= 0) {
          problems.add("<iothreadids><iothread id='" + id + "'>: invalid value of " + id + " for iothread_id");
          continue;
        }
        String where = "<iothreadids><iothread id='" + id + "'>";
        for (String a : attrNames(io)) {
          if (!Set.of("id", "thread_pool_min", "thread_pool_max").contains(a)) {
            unsupported.add(where + " attribute " + a);
          }
        }
        Integer poolMin = integer(where + " thread_pool_min", attr(io, "thread_pool_min"));
        Integer poolMax = integer(where + " thread_pool_max", attr(io, "thread_pool_max"));
        Long pollMax = null;
        Long grow = null;
        Long shrink = null;
        for (Element c : children(io)) {
          if (!c.getTagName().equals("poll")) {
            unsupported.add(where + "<" + c.getTagName() + ">");
            continue;
          }
          pollMax = longValue(where + "<poll max>", attr(c, "max"));
          grow = longValue(where + "<poll grow>", attr(c, "grow"));
          shrink = longValue(where + "<poll shrink>", attr(c, "shrink"));
          for (String a : attrNames(c)) {
            if (!Set.of("max", "grow", "shrink").contains(a)) {
              unsupported.add(where + "<poll " + a + ">");
            }
          }
        }
        if (out.put(id, new IothreadSpec(id, pollMax, grow, shrink, null, poolMin, poolMax)) != null) {
          problems.add(where + ": iothread id " + id + " is listed twice");
        }
      }
    }
    Element count = child(domain, "iothreads");
    if (count != null) {
      Integer n = integer("<iothreads>", text(count));
      if (n != null && n < out.size()) {
        problems.add("<iothreads>: " + n + " is less than the " + out.size() + " ids in <iothreadids>");
      } else if (n != null) {
        for (int id = 1; out.size() < n; id++) {
          out.putIfAbsent(id, IothreadSpec.of(id));
        }
      }
    }
    if (child(domain, "defaultiothread") != null) {
      unsupported.add("<defaultiothread> (the main loop's thread pool)");
    }
    // QEMU's iothread objects come in id order, as libvirt lists them on its command line
    Map<Integer, IothreadSpec> sorted = new LinkedHashMap<>();
    new TreeSet<>(out.keySet()).forEach(id -> sorted.put(id, out.get(id)));
    return sorted;
  }

  // ------------------------------------------------------------------ <cputune>

  private static final class Tune {
    List<VcpuPin> vcpupin = new ArrayList<>();
    String emulatorpin;
    List<IothreadPin> iothreadpin = new ArrayList<>();
    Long shares;
    Long period;
    Long quota;
    Long globalPeriod;
    Long globalQuota;
    Long emulatorPeriod;
    Long emulatorQuota;
    Long iothreadPeriod;
    Long iothreadQuota;
    List<VcpuSched> vcpusched = new ArrayList<>();
    List<IothreadSched> iothreadsched = new ArrayList<>();
    EmulatorSched emulatorsched;
  }

  private Tune cputune(Element cputune, int maxVcpus, Set<Integer> iothreadIds, String defaultCpus) {
    Tune t = new Tune();
    if (cputune != null) {
      for (Element e : children(cputune)) {
        String tag = e.getTagName();
        String where = "<cputune><" + tag + ">";
        if (!CPUTUNE.contains(tag)) {
          unsupported.add(where + (tag.equals("cachetune") || tag.equals("memorytune")
              ? " (resctrl cache/memory bandwidth allocation)" : ""));
          continue;
        }
        switch (tag) {
          case "shares" -> t.shares = shares(where, longValue(where, text(e)));
          case "period" -> t.period = unsetIfZero(longValue(where, text(e)));
          case "quota" -> t.quota = unsetIfZero(longValue(where, text(e)));
          case "global_period" -> t.globalPeriod = unsetIfZero(longValue(where, text(e)));
          case "global_quota" -> t.globalQuota = unsetIfZero(longValue(where, text(e)));
          case "emulator_period" -> t.emulatorPeriod = unsetIfZero(longValue(where, text(e)));
          case "emulator_quota" -> t.emulatorQuota = unsetIfZero(longValue(where, text(e)));
          case "iothread_period" -> t.iothreadPeriod = unsetIfZero(longValue(where, text(e)));
          case "iothread_quota" -> t.iothreadQuota = unsetIfZero(longValue(where, text(e)));
          case "vcpupin" -> {
            Integer v = integer(where + " vcpu", required(where, e, "vcpu"));
            if (v != null) {
              t.vcpupin.add(new VcpuPin(v, required(where, e, "cpuset")));
            }
          }
          case "emulatorpin" -> t.emulatorpin = required(where, e, "cpuset");
          case "iothreadpin" -> {
            Integer id = integer(where + " iothread", required(where, e, "iothread"));
            if (id != null) {
              t.iothreadpin.add(new IothreadPin(id, required(where, e, "cpuset")));
            }
          }
          case "vcpusched" -> t.vcpusched.add(new VcpuSched(required(where, e, "vcpus"),
              attr(e, "scheduler"), integer(where + " priority", attr(e, "priority"))));
          case "iothreadsched" -> t.iothreadsched.add(new IothreadSched(required(where, e, "iothreads"),
              attr(e, "scheduler"), integer(where + " priority", attr(e, "priority"))));
          case "emulatorsched" -> t.emulatorsched = new EmulatorSched(attr(e, "scheduler"),
              integer(where + " priority", attr(e, "priority")));
          default -> throw new IllegalStateException(tag);
        }
      }
    }
    if (defaultCpus != null) {
      // <vcpu cpuset>: libvirt's default mask for every vCPU, the emulator and every iothread
      // without its own pin (qemuProcessSetupPid falls back to def->cpumask)
      Set<Integer> pinned = new TreeSet<>();
      t.vcpupin.forEach(p -> pinned.add(p.vcpu()));
      for (int v = 0; v < maxVcpus; v++) {
        if (!pinned.contains(v)) {
          t.vcpupin.add(new VcpuPin(v, defaultCpus));
        }
      }
      t.vcpupin.sort(java.util.Comparator.comparingInt(VcpuPin::vcpu));
      if (t.emulatorpin == null) {
        t.emulatorpin = defaultCpus;
      }
      Set<Integer> ioPinned = new TreeSet<>();
      t.iothreadpin.forEach(p -> ioPinned.add(p.iothread()));
      for (int id : iothreadIds) {
        if (!ioPinned.contains(id)) {
          t.iothreadpin.add(new IothreadPin(id, defaultCpus));
        }
      }
      t.iothreadpin.sort(java.util.Comparator.comparingInt(IothreadPin::iothread));
    }
    return t;
  }

  /** libvirt passes {@code <shares>0</shares>} to the kernel, which raises it to its minimum, 2. */
  private Long shares(String where, Long v) {
    if (v != null && v == 0) {
      unsupported.add(where + " 0 (imported as 2: the kernel's minimum, what libvirt's write of 0 gives)");
      return 2L;
    }
    return v;
  }

  /** libvirt's 0 for a period or quota means "not set". */
  private static Long unsetIfZero(Long v) {
    return v == null || v == 0 ? null : v;
  }

  // ------------------------------------------------------------------ <numatune>

  private NumaTune numatune(Element numatune) {
    if (numatune == null) {
      return null;
    }
    NumaTune out = null;
    for (Element e : children(numatune)) {
      String where = "<numatune><" + e.getTagName() + ">";
      if (!e.getTagName().equals("memory")) {
        unsupported.add(where + (e.getTagName().equals("memnode") ? " (per guest NUMA cell)" : ""));
        continue;
      }
      if ("auto".equals(attr(e, "placement"))) {
        unsupported.add("<numatune><memory placement='auto'> (numad's advice)");
        continue;
      }
      String nodeset = attr(e, "nodeset");
      if (nodeset == null) {
        problems.add(where + ": the nodeset attribute is required");
        continue;
      }
      out = new NumaTune(attr(e, "mode") == null ? "strict" : attr(e, "mode"), nodeset);
    }
    return out;
  }

  // ------------------------------------------------------------------ DOM helpers

  private static List<Element> children(Element parent) {
    List<Element> out = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE) {
        out.add((Element) nodes.item(i));
      }
    }
    return out;
  }

  private static Element child(Element parent, String tag) {
    for (Element e : children(parent)) {
      if (e.getTagName().equals(tag)) {
        return e;
      }
    }
    return null;
  }

  private static String text(Element e) {
    return e == null ? null : e.getTextContent().trim();
  }

  private static String attr(Element e, String name) {
    return e == null || !e.hasAttribute(name) ? null : e.getAttribute(name).trim();
  }

  private static List<String> attrNames(Element e) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < e.getAttributes().getLength(); i++) {
      out.add(e.getAttributes().item(i).getNodeName());
    }
    return out;
  }

  private String required(String where, Element e, String name) {
    String v = attr(e, name);
    if (v == null) {
      problems.add(where + ": the " + name + " attribute is required");
    }
    return v;
  }

  private Integer integer(String where, String text) {
    Long v = longValue(where, text);
    if (v == null) {
      return null;
    }
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      problems.add(where + ": '" + text + "' is out of range");
      return null;
    }
    return v.intValue();
  }

  private Long longValue(String where, String text) {
    if (text == null) {
      return null;
    }
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      problems.add(where + ": '" + text + "' is not an integer");
      return null;
    }
  }
}
