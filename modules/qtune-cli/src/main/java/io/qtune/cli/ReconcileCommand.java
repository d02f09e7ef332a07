package io.qtune.cli;

import io.qtune.core.ThreadMove;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/** One reconcile pass: threads not where their role says go back; prints what moved. */
@Command(name = "reconcile", description = {"Move every thread of the VM that is not where its role "
    + "says (ps marks it stray) back to its role's group and affinity: threads that are neither vCPUs "
    + "nor iothreads belong to emulator.",
    "Reads every thread first and writes only what differs."})
final class ReconcileCommand extends VerbCommand {
  @Override
  void execute() {
    List<ThreadMove> moved = await(vm().reconcile());
    printer().result(() -> text(moved), () -> moved.stream().map(ReconcileCommand::json).toList());
  }

  static String text(List<ThreadMove> moved) {
    if (moved.isEmpty()) {
      return "no stray threads\n";
    }
    StringBuilder sb = new StringBuilder();
    for (ThreadMove m : moved) {
      sb.append("thread ").append(m.tid()).append(" (").append(m.comm()).append(", ").append(m.role())
          .append("): ");
      if (!m.toGroup().equals(m.fromGroup())) {
        sb.append(m.fromGroup()).append(" -> ").append(m.toGroup()).append(", ");
      }
      sb.append("affinity ").append(m.fromAffinity().toList()).append(" -> ")
          .append(m.toAffinity().toList()).append('\n');
    }
    return sb.toString();
  }

  static Map<String, Object> json(ThreadMove m) {
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("tid", m.tid());
    j.put("comm", m.comm());
    j.put("role", m.role());
    j.put("from_group", m.fromGroup());
    j.put("to_group", m.toGroup());
    j.put("from_affinity", m.fromAffinity().toList());
    j.put("to_affinity", m.toAffinity().toList());
    return j;
  }
}
