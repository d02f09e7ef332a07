package io.qtune.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.qtune.qmp.model.CpuInfoFast;
import io.qtune.qmp.model.HotpluggableCpu;
import io.qtune.qmp.model.IothreadInfo;
import io.qtune.qmp.model.IothreadProperties;
import io.qtune.qmp.protocol.QmpJson;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reply records read kebab-case members and ignore members newer QEMUs add. */
class ReplyDecodingTest {
  @Test
  void cpuInfoFastFromNewerQemuWithUnknownMembers() throws Exception {
    String json = "[{\"thread-id\": 4242, \"props\": {\"core-id\": 1, \"thread-id\": 0, \"socket-id\": 0, "
        + "\"module-id\": 0, \"drawer-id\": 3}, \"qom-path\": \"/machine/unattached/device[1]\", "
        + "\"cpu-index\": 1, \"target\": \"x86_64\", \"qom-type\": \"max-x86_64-cpu\", \"cpu-state\": \"x\"}]";
    List<CpuInfoFast> cpus = QmpJson.MAPPER.readValue(json, new TypeReference<List<CpuInfoFast>>() {
    });
    CpuInfoFast c = cpus.get(0);
    assertEquals(4242L, c.threadId());
    assertEquals(1, c.cpuIndex());
    assertEquals(0, c.props().threadId());
    assertEquals(1, c.props().coreId());
    assertNull(c.props().nodeId());
    assertNull(c.props().dieId());
  }

  @Test
  void unpluggedHotpluggableCpuHasNoQomPath() throws Exception {
    HotpluggableCpu h = QmpJson.MAPPER.readValue("{\"props\": {\"core-id\": 0, \"thread-id\": 0, "
        + "\"socket-id\": 5}, \"vcpus-count\": 1, \"type\": \"qemu64-x86_64-cpu\"}", HotpluggableCpu.class);
    assertNull(h.qomPath());
    assertEquals(5, h.props().socketId());
  }

  @Test
  void iothreadInfoFromQemuBefore61HasNoAioMaxBatch() throws Exception {
    IothreadInfo i = QmpJson.MAPPER.readValue("{\"id\": \"io1\", \"thread-id\": 7, \"poll-max-ns\": 32768, "
        + "\"poll-grow\": 0, \"poll-shrink\": 0}", IothreadInfo.class);
    assertEquals(0, i.aioMaxBatch());
    assertEquals(32768, i.pollMaxNs());
  }

  @Test
  void iothreadPropertiesOmitNulls() {
    JsonNode n = QmpJson.MAPPER.valueToTree(IothreadProperties.of("io9").withPollMaxNs(0L).withThreadPool(null, 4));
    assertEquals("{\"id\":\"io9\",\"poll-max-ns\":0,\"thread-pool-max\":4}", n.toString());
  }
}
