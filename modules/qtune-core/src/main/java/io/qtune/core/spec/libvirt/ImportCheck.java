package io.qtune.core.spec.libvirt;

import io.qtune.core.InvalidInputException;
import io.qtune.core.spec.ResolvedTuning;
import io.qtune.core.spec.SpecValidator;
import io.qtune.core.spec.TuningSpec;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.core.spec.VmFacts;
import io.qtune.core.spec.libvirt.LibvirtDomainXml.Import;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An imported domain through the same {@link SpecValidator} as a JSON spec, with the domain's own
 * vCPU count and iothread ids as the VM, and each problem labelled with the XML element it came from.
 */
public final class ImportCheck {
  /** A problem's wording (from the validator) to the element it is about; the first match wins. */
  private static final List<String[]> ELEMENTS = List.of(
      new String[] {"vcpusched", "<cputune><vcpusched>"},
      new String[] {"iothreadsched", "<cputune><iothreadsched>"},
      new String[] {"emulatorsched", "<cputune><emulatorsched>"},
      new String[] {"vcpupin", "<cputune><vcpupin>"},
      new String[] {"live cpu count", "<cputune><vcpupin>"},
      new String[] {"emulatorpin", "<cputune><emulatorpin>"},
      new String[] {"iothreadpin", "<cputune><iothreadpin>"},
      new String[] {"not found", "<cputune><iothreadpin>"},
      new String[] {"'vcpu_period'", "<cputune><period>"},
      new String[] {"'vcpu_quota'", "<cputune><quota>"},
      new String[] {"'global_period'", "<cputune><global_period>"},
      new String[] {"'global_quota'", "<cputune><global_quota>"},
      new String[] {"'emulator_period'", "<cputune><emulator_period>"},
      new String[] {"'emulator_quota'", "<cputune><emulator_quota>"},
      new String[] {"'iothread_period'", "<cputune><iothread_period>"},
      new String[] {"'iothread_quota'", "<cputune><iothread_quota>"},
      new String[] {"shares", "<cputune><shares>"},
      new String[] {"numatune", "<numatune><memory>"},
      new String[] {"name:", "<name>"},
      new String[] {"iothread", "<iothreadids>"});

  private ImportCheck() {}

  /**
   * Validates the import against the host.
   *
   * @throws InvalidInputException every problem, each starting with its element
   */
  public static ResolvedTuning validate(Import imported, SpecValidator validator, String source) {
    TuningSpec spec = imported.spec();
    Set<Integer> ids = spec.iothreads().stream().map(IothreadSpec::id).collect(Collectors.toSet());
    try {
      return validator.resolve(spec, new VmFacts(imported.maxVcpus(), ids));
    } catch (InvalidInputException e) {
      List<String> labelled = new ArrayList<>();
      for (String p : e.problems()) {
        labelled.add(source + ": " + element(p) + ": " + p);
      }
      throw new InvalidInputException(labelled);
    }
  }

  static String element(String problem) {
    for (String[] e : ELEMENTS) {
      if (problem.contains(e[0])) {
        return e[1];
      }
    }
    return "<domain>";
  }
}
