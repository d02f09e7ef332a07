package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class VshTableTest {
  @Test
  void iothreadinfoLayoutIsVirshs() {
    String t = new VshTable("IOThread ID", "CPU Affinity").row(1, "0-1").row(12, "1").render(true);
    assertEquals(""
        + " IOThread ID   CPU Affinity\n"
        + "-----------------------------\n"
        + " 1             0-1\n"
        + " 12            1\n", t);
  }

  @Test
  void vcpupinLayoutIsVirshs() {
    String t = new VshTable("VCPU", "CPU Affinity").row(0, "0-1").row(1, "1").render(true);
    assertEquals(""
        + " VCPU   CPU Affinity\n"
        + "----------------------\n"
        + " 0      0-1\n"
        + " 1      1\n", t);
  }

  @Test
  void quietDropsHeaderAndSizesColumnsToData() {
    assertEquals(" 0    0-1\n 10   1\n", new VshTable("VCPU", "CPU Affinity").row(0, "0-1").row(10, "1").render(false));
  }
}
