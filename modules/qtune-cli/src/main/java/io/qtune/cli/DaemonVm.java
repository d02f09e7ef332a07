package io.qtune.cli;

import io.qtune.core.IothreadInfo;
import io.qtune.core.SchedInfo;
import io.qtune.core.SchedParams;
import io.qtune.core.ThreadPlacement;
import io.qtune.core.VcpuInfo;
import io.qtune.core.spec.TuningSpec.IothreadSpec;
import io.qtune.host.cpu.CpuSet;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A VM that {@code qtune daemon} supervises, through its v1 API (docs/api/openapi.yaml): each
 * call one request on the client's connection, the answer read into the library's records.
 */
final class DaemonVm implements VmAccess {
  private final DaemonClient client;
  private final String base;
  private final Session session;

  DaemonVm(DaemonClient client, String name, Session session) {
    this.client = client;
    this.session = session;
    this.base = "/v1/vms/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Override
  public Map<Integer, CpuSet> vcpuPins() {
    Map<Integer, CpuSet> pins = new LinkedHashMap<>();
    for (Map<String, Object> p : objects(call("GET", base + "/vcpus", null), "pins")) {
      pins.put(integer(p, "vcpu"), cpus(p, "affinity"));
    }
    return pins;
  }

  @Override
  public void pinVcpu(int vcpu, String cpulist) {
    call("PUT", base + "/vcpus/" + vcpu + "/pin", Json.write(Map.of("cpuset", cpulist)));
  }

  @Override
  public CpuSet emulatorPin() {
    return cpus(call("GET", base + "/emulator/pin", null), "affinity");
  }

  @Override
  public void pinEmulator(String cpulist) {
    call("PUT", base + "/emulator/pin", Json.write(Map.of("cpuset", cpulist)));
  }

  @Override
  public void pinIothread(int id, String cpulist) {
    call("PUT", base + "/iothreads/" + id + "/pin", Json.write(Map.of("cpuset", cpulist)));
  }

  @Override
  public List<IothreadInfo> iothreadInfo() {
    List<IothreadInfo> out = new ArrayList<>();
    for (Map<String, Object> io : objects(call("GET", base + "/iothreads", null), "iothreads")) {
      out.add(iothread(io));
    }
    return out;
  }

  @Override
  public IothreadInfo addIothread(IothreadSpec spec) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", spec.id());
    putIfSet(body, "poll_max_ns", spec.pollMaxNs());
    putIfSet(body, "poll_grow", spec.pollGrow());
    putIfSet(body, "poll_shrink", spec.pollShrink());
    putIfSet(body, "aio_max_batch", spec.aioMaxBatch());
    putIfSet(body, "thread_pool_min", spec.threadPoolMin());
    putIfSet(body, "thread_pool_max", spec.threadPoolMax());
    return iothread(call("POST", base + "/iothreads", Json.write(body)));
  }

  @Override
  public void deleteIothread(int id) {
    call("DELETE", base + "/iothreads/" + id, null);
  }

  @Override
  public SchedInfo schedInfo() {
    return sched(call("GET", base + "/sched", null));
  }

  @Override
  public SchedInfo setSchedParams(SchedParams params) {
    // the daemon answers with schedinfo read back after the change, as virsh prints it
    return sched(call("PATCH", base + "/sched", Json.write(params.values())));
  }

  @Override
  public List<VcpuInfo> setVcpus(int count) {
    List<VcpuInfo> out = new ArrayList<>();
    for (Map<String, Object> v : objects(call("PUT", base + "/vcpus", Json.write(Map.of("count", count))), "vcpus")) {
      Long tid = optLong(v, "tid");
      Long cpu = optLong(v, "cpu");
      out.add(new VcpuInfo(integer(v, "vcpu"), tid == null ? 0 : tid.intValue(), cpu == null ? -1 : cpu.intValue(),
          string(v, "state"), number(v, "cpu_time_ns"), cpus(v, "affinity")));
    }
    return out;
  }

  @Override
  public List<ThreadPlacement> placement() {
    List<ThreadPlacement> out = new ArrayList<>();
    for (Map<String, Object> t : objects(call("GET", base, null), "threads")) {
      String state = string(t, "state");
      Object group = t.get("group");
      out.add(new ThreadPlacement(integer(t, "tid"), string(t, "comm"), string(t, "role"),
          group == null ? null : group.toString(), cpus(t, "affinity"), integer(t, "last_cpu"),
          number(t, "cpu_time_ns"), state.isEmpty() ? '?' : state.charAt(0),
          t.get("want_group") == null ? null : t.get("want_group").toString(),
          t.get("want_affinity") == null ? null : cpus(t, "want_affinity"),
          Boolean.TRUE.equals(t.get("stray"))));
    }
    return out;
  }

  // ---------------------------------------------------------------- the exchange

  /** The answer's JSON object ({@code {}} for 204); a problem is thrown as the CLI reports it. */
  private Map<String, Object> call(String method, String path, String body) {
    session.armDaemonDeadline(client);
    return exchange(client, method, path, body);
  }

  /** A body-less request's JSON answer (the session's probes: /v1/daemon, /v1/vms). */
  static Map<String, Object> answer(DaemonClient client, String method, String path) {
    return exchange(client, method, path, null);
  }

  private static Map<String, Object> exchange(DaemonClient client, String method, String path, String body) {
    DaemonClient.Response r = client.send(method, path, body);
    if (!r.ok()) {
      throw problem(client, method, path, r);
    }
    if (r.body().isEmpty()) {
      return Map.of();
    }
    return object(client, parse(client, method, path, r.body()), method + " " + path);
  }

  private static RuntimeException problem(DaemonClient client, String method, String path, DaemonClient.Response r) {
    if (r.problem() && !r.body().isEmpty()) {
      Map<String, Object> p = object(client, parse(client, method, path, r.body()), "problem");
      List<String> messages = new ArrayList<>();
      if (p.get("problems") instanceof List<?> l) {
        l.forEach(m -> messages.add(String.valueOf(m)));
      }
      if (messages.isEmpty() && p.get("detail") != null) {
        messages.add(p.get("detail").toString());
      }
      if (messages.isEmpty()) {
        messages.add(String.valueOf(p.getOrDefault("title", "HTTP " + r.status())));
      }
      return new DaemonProblemException(r.status(), messages);
    }
    return new DaemonProtocolException(client.socket(), method + " " + path + " answered HTTP " + r.status());
  }

  private static Object parse(DaemonClient client, String method, String path, String body) {
    try {
      return Json.parse(body);
    } catch (IllegalArgumentException e) {
      throw new DaemonProtocolException(client.socket(), method + " " + path + ": " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------- reading the answer

  private IothreadInfo iothread(Map<String, Object> io) {
    return new IothreadInfo(integer(io, "id"), integer(io, "tid"), cpus(io, "affinity"), number(io, "poll_max_ns"),
        number(io, "poll_grow"), number(io, "poll_shrink"));
  }

  private SchedInfo sched(Map<String, Object> s) {
    boolean v2 = s.containsKey("cpu_weight") && !s.containsKey("cpu_shares");
    Long shares = optLong(s, v2 ? "cpu_weight" : "cpu_shares");
    Long globalPeriod = optLong(s, "global_period");
    Long globalQuota = optLong(s, "global_quota");
    return new SchedInfo(v2, shares == null ? 0 : shares, optLong(s, "vcpu_period"), optLong(s, "vcpu_quota"),
        optLong(s, "emulator_period"), optLong(s, "emulator_quota"), globalPeriod == null ? 0 : globalPeriod,
        globalQuota == null ? 0 : globalQuota, optLong(s, "iothread_period"), optLong(s, "iothread_quota"));
  }

  private static void putIfSet(Map<String, Object> m, String key, Object v) {
    if (v != null) {
      m.put(key, v);
    }
  }

  private Map<String, Object> object(Object v, String what) {
    return object(client, v, what);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(DaemonClient client, Object v, String what) {
    if (v instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    throw new DaemonProtocolException(client.socket(), what + " is not a JSON object");
  }

  private List<Map<String, Object>> objects(Map<String, Object> m, String key) {
    if (!(m.get(key) instanceof List<?> l)) {
      throw new DaemonProtocolException(client.socket(), "'" + key + "' is not a list");
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object o : l) {
      out.add(object(o, "an element of '" + key + "'"));
    }
    return out;
  }

  private Long optLong(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (v == null) {
      return null;
    }
    if (v instanceof Long l) {
      return l;
    }
    throw new DaemonProtocolException(client.socket(), "'" + key + "' is not an integer: " + v);
  }

  private long number(Map<String, Object> m, String key) {
    Long v = optLong(m, key);
    if (v == null) {
      throw new DaemonProtocolException(client.socket(), "'" + key + "' is missing");
    }
    return v;
  }

  private int integer(Map<String, Object> m, String key) {
    return Math.toIntExact(number(m, key));
  }

  private String string(Map<String, Object> m, String key) {
    if (!(m.get(key) instanceof String s)) {
      throw new DaemonProtocolException(client.socket(), "'" + key + "' is not a string");
    }
    return s;
  }

  private CpuSet cpus(Map<String, Object> m, String key) {
    String s = string(m, key);
    try {
      return s.isEmpty() ? CpuSet.empty() : CpuSet.parseList(s);
    } catch (RuntimeException e) {
      throw new DaemonProtocolException(client.socket(), "'" + key + "' is not a CPU list: " + s);
    }
  }
}
