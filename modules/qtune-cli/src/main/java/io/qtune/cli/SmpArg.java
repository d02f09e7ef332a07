package io.qtune.cli;

import java.util.List;

/** The boot vCPU count a QEMU command line asks for with {@code -smp}, as QEMU computes it. */
final class SmpArg {
  private SmpArg() {}

  static int vcpus(List<String> qemuArgs) {
    String smp = null;
    for (int i = 0; i < qemuArgs.size(); i++) {
      String a = qemuArgs.get(i);
      if ((a.equals("-smp") || a.equals("--smp")) && i + 1 < qemuArgs.size()) {
        smp = qemuArgs.get(i + 1); // the last -smp wins, as in QEMU
      } else if (a.startsWith("-smp=")) {
        smp = a.substring(5);
      }
    }
    return smp == null ? 1 : parse(smp);
  }

  /** {@code 4}, {@code cpus=4,maxcpus=8}, {@code sockets=2,cores=1,threads=2} (cpus = their product). */
  static int parse(String smp) {
    Integer cpus = null;
    long product = 1;
    boolean topology = false;
    for (String part : smp.split(",")) {
      String[] kv = part.split("=", 2);
      try {
        if (kv.length == 1) {
          cpus = Integer.parseInt(kv[0].trim());
        } else if (kv[0].equals("cpus")) {
          cpus = Integer.parseInt(kv[1].trim());
        } else if (List.of("sockets", "dies", "clusters", "cores", "threads", "books", "drawers").contains(kv[0])) {
          product *= Integer.parseInt(kv[1].trim());
          topology = true;
        }
      } catch (NumberFormatException e) {
        throw new BadInputException("cannot read the vCPU count of -smp " + smp);
      }
    }
    if (cpus != null && cpus > 0) {
      return cpus;
    }
    return topology ? (int) product : 1;
  }
}
