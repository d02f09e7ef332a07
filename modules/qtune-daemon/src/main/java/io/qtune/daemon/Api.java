package io.qtune.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qtune.core.DiskFormat;
import io.qtune.core.LaunchOptions;
import io.qtune.core.SchedParams;
import io.qtune.core.VcpuInfo;
import io.qtune.core.Vm;
import io.qtune.core.spec.SpecReader;
import io.qtune.core.spec.TuningSpec;
import io.qtune.host.proc.ProcessIdentity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The v1 routes (docs/api/openapi.yaml), each a thin call into the library: the same validation
 * and messages as the CLI verbs, a library error mapped by {@link Problem}. The daemon refuses on
 * its own only what the library cannot know: malformed bodies (400), unknown VMs (404), names and
 * sockets it already supervises (409).
 */
public final class Api {
  private final Supervisor supervisor;
  private final EventLog events;
  private final DaemonInfo info;
  private final Duration launchTimeout;
  private final java.util.concurrent.Executor workers;

  /** What {@code GET /v1/daemon} reports. */
  public record DaemonInfo(String socket, String stateDir, String version) {}

  /** @param workers where a route called on the event loop hands work that may wait on QEMU */
  public Api(Supervisor supervisor, EventLog events, DaemonInfo info, Duration launchTimeout,
      java.util.concurrent.Executor workers) {
    this.workers = workers;
    this.supervisor = supervisor;
    this.events = events;
    this.info = info;
    this.launchTimeout = launchTimeout;
  }

  /** Every route served; {@code /v1/events} and {@code /metrics} are answered by the HTTP layer. */
  public Router router(Route.Handler events, Route.Handler metrics) {
    List<Route> r = new ArrayList<>();
    r.add(new Route("GET", "/v1/daemon", false, null, q -> now(this::daemon, q)));
    r.add(new Route("GET", "/v1/vms", false, null, q -> now(this::list, q)));
    r.add(new Route("POST", "/v1/vms", true, "spec", this::create));
    r.add(new Route("GET", "/v1/vms/{name}", false, null, this::get));
    r.add(new Route("DELETE", "/v1/vms/{name}", true, null, this::delete));
    r.add(new Route("GET", "/v1/vms/{name}/vcpus", false, null, this::vcpus));
    r.add(new Route("PUT", "/v1/vms/{name}/vcpus", true, "count", this::setVcpus));
    r.add(new Route("PUT", "/v1/vms/{name}/vcpus/{vcpu}/pin", true, "cpuset", this::pinVcpu, true));
    r.add(new Route("GET", "/v1/vms/{name}/emulator/pin", false, null, this::emulatorPin));
    r.add(new Route("PUT", "/v1/vms/{name}/emulator/pin", true, "cpuset", this::pinEmulator, true));
    r.add(new Route("GET", "/v1/vms/{name}/iothreads", false, null, this::iothreads));
    r.add(new Route("POST", "/v1/vms/{name}/iothreads", true, "id", this::addIothread));
    r.add(new Route("DELETE", "/v1/vms/{name}/iothreads/{id}", true, "id", this::deleteIothread));
    r.add(new Route("PUT", "/v1/vms/{name}/iothreads/{id}/pin", true, "cpuset", this::pinIothread, true));
    r.add(new Route("GET", "/v1/vms/{name}/sched", false, null, this::sched));
    r.add(new Route("PATCH", "/v1/vms/{name}/sched", true, null, this::setSched));
    r.add(new Route("POST", "/v1/vms/{name}/disks", true, null, this::attachDisk));
    r.add(new Route("DELETE", "/v1/vms/{name}/disks/{target}", true, "target", this::detachDisk));
    r.add(new Route("GET", "/v1/vms/{name}/drift", false, null, this::drift));
    r.add(new Route("POST", "/v1/vms/{name}/drift", false, "spec", this::diff));
    r.add(new Route("GET", "/v1/vms/{name}/spec", false, null, this::spec));
    r.add(new Route("PUT", "/v1/vms/{name}/spec", true, "spec", this::apply));
    r.add(new Route("GET", "/v1/events", false, null, events));
    r.add(new Route("GET", "/metrics", false, null, metrics));
    return new Router(r);
  }

  private interface Body {
    Response get(Request r);
  }

  private static CompletableFuture<Response> now(Body b, Request r) {
    return CompletableFuture.completedFuture(b.get(r));
  }

  // ---------------------------------------------------------------- the daemon and VMs

  private Response daemon(Request r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pid", ProcessHandle.current().pid());
    m.put("version", info.version());
    m.put("socket", info.socket());
    m.put("state_dir", info.stateDir());
    m.put("vms", supervisor.names().size());
    m.put("event_seq", events.lastSeq());
    return Response.json(200, m);
  }

  private Response list(Request r) {
    return Response.json(200, Map.of("vms", supervisor.all().stream().map(Views::summary).toList()));
  }

  private CompletableFuture<Response> create(Request r) {
    ObjectNode body = Json.object(r.body(), Set.of("qmp", "spec", "argv", "paused"));
    boolean attach = body.has("qmp");
    boolean launch = body.has("argv");
    if (attach == launch) {
      throw ApiException.badRequest("give either {\"qmp\": SOCKET, \"spec\": {...}} to attach or "
          + "{\"spec\": {...}, \"argv\": [...]} to launch", attach ? "argv" : "qmp");
    }
    TuningSpec spec = body.has("spec") ? spec(body.get("spec")) : null;
    if (spec != null && spec.name() != null) {
      requireNameFree(spec.name());
    }
    if (attach) {
      if (body.has("paused")) {
        throw ApiException.badRequest("'paused' applies to a launch only", "paused");
      }
      Path qmp = Path.of(Json.requiredText(body, "qmp"));
      if (!qmp.isAbsolute()) {
        throw ApiException.badRequest("qmp must be an absolute path, got '" + qmp + "'", "qmp");
      }
      if (!java.nio.file.Files.exists(qmp)) {
        // the CLI's words and its exit 2: the caller named a socket that is not there
        throw new ApiException(422, "QMP socket '" + qmp + "' does not exist", "qmp");
      }
      supervisor.bySocket(qmp).ifPresent(v -> {
        throw ApiException.conflict("VM '" + v.name() + "' is supervised on " + qmp + " already", "qmp");
      });
      CompletableFuture<Vm> vm = spec != null ? supervisor.qtune().attach(qmp, spec)
          : supervisor.qtune().supervise(qmp).thenCompose(v -> v.apply(v.spec()));
      return vm.thenApply(v -> registered(v, "vm-attached"));
    }
    if (spec == null) {
      throw ApiException.badRequest("a launch needs a spec with a name", "spec");
    }
    List<String> argv = argv(body.get("argv"));
    boolean paused = body.has("paused") && body.get("paused").asBoolean();
    if (body.has("paused") && !body.get("paused").isBoolean()) {
      throw ApiException.badRequest("field 'paused' must be a boolean", "paused");
    }
    LaunchOptions opts = new LaunchOptions(null, paused, launchTimeout, null);
    return supervisor.qtune().launch(spec, argv, opts).thenApply(v -> registered(v, "vm-launched"));
  }

  private Response registered(Vm vm, String type) {
    if (!supervisor.register(vm, type)) {
      throw ApiException.conflict("a VM named '" + vm.name() + "' is supervised already", "spec.name");
    }
    return Response.created("/v1/vms/" + vm.name(), Views.summary(vm));
  }

  private void requireNameFree(String name) {
    if (supervisor.find(name).isPresent()) {
      throw ApiException.conflict("a VM named '" + name + "' is supervised already", "spec.name");
    }
    supervisor.qtune().state().find(name)
        .filter(e -> supervisor.qtune().proc().isCurrent(new ProcessIdentity(e.pid(), e.startTime())))
        .ifPresent(e -> {
          throw ApiException.conflict("a VM named '" + name + "' is running, pid " + e.pid() + " (recorded in "
              + supervisor.qtune().state().dir() + "); choose another name", "spec.name");
        });
  }

  private static List<String> argv(JsonNode n) {
    if (n == null || !n.isArray() || n.isEmpty()) {
      throw ApiException.badRequest("field 'argv' must be a non-empty array of strings (QEMU's command line, program first)", "argv");
    }
    List<String> out = new ArrayList<>();
    for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
      JsonNode a = it.next();
      if (!a.isTextual()) {
        throw ApiException.badRequest("argv[" + out.size() + "] must be a string, got " + a, "argv");
      }
      out.add(a.asText());
    }
    return out;
  }

  private static TuningSpec spec(JsonNode n) {
    if (n == null || !n.isObject()) {
      throw ApiException.badRequest("field 'spec' must be a JSON object (the spec)", "spec");
    }
    return SpecReader.parse(n.toString());
  }

  private static TuningSpec specBody(Request r) {
    if (r.body() == null || r.body().length == 0) {
      throw ApiException.badRequest("the request needs the spec as its JSON body", "spec");
    }
    return SpecReader.parse(new String(r.body(), StandardCharsets.UTF_8));
  }

  private CompletableFuture<Response> get(Request r) {
    Vm vm = vm(r);
    return vm.placement().thenApply(t -> Response.json(200, Views.detail(vm, t)));
  }

  private CompletableFuture<Response> delete(Request r) {
    Vm vm = vm(r);
    String destroy = r.queryParam("destroy");
    if (destroy != null && !destroy.equals("true") && !destroy.equals("false")) {
      throw ApiException.badRequest("destroy must be true or false, got '" + destroy + "'", "destroy");
    }
    if ("true".equals(destroy)) {
      // exited() publishes vm-exited and groups-removed through the supervisor
      return vm.destroy().thenApply(x -> Response.noContent());
    }
    supervisor.forget(vm);
    return CompletableFuture.completedFuture(Response.noContent());
  }

  // ---------------------------------------------------------------- vCPUs and pins

  private CompletableFuture<Response> vcpus(Request r) {
    Vm vm = vm(r);
    return vm.vcpus().info().thenCombine(vm.pins().vcpus(), (v, p) -> Response.json(200, Views.vcpus(v, p)));
  }

  private CompletableFuture<Response> setVcpus(Request r) {
    Vm vm = vm(r);
    int count = Json.requiredInt(Json.object(r.body(), Set.of("count")), "count");
    Set<Integer> before = vcpuSet(vm);
    return vm.vcpus().setCount(count).thenCompose(after -> {
      List<Integer> added = after.stream().map(VcpuInfo::vcpu).filter(v -> !before.contains(v)).toList();
      if (!added.isEmpty()) {
        events.publish("vcpu-added", vm.name(), Map.of("vcpus", added));
      }
      return vm.pins().vcpus().thenApply(p -> Response.json(200, Views.vcpus(after, p)));
    });
  }

  private static Set<Integer> vcpuSet(Vm vm) {
    Set<Integer> s = new java.util.HashSet<>();
    vm.threads().vcpus().forEach(v -> s.add(v.index()));
    return s;
  }

  private CompletableFuture<Response> pinVcpu(Request r) {
    Vm vm = vm(r);
    int vcpu = intParam(r, "vcpu");
    String cpuset = Json.requiredText(Json.object(r.body(), Set.of("cpuset")), "cpuset");
    return kernelOnly(vm, () -> vm.pins().vcpu(vcpu, cpuset)).thenApply(x -> Response.noContent());
  }

  private CompletableFuture<Response> emulatorPin(Request r) {
    return vm(r).pins().emulator().thenApply(c -> Response.json(200, Map.of("affinity", c.toList())));
  }

  private CompletableFuture<Response> pinEmulator(Request r) {
    Vm vm = vm(r);
    String cpuset = Json.requiredText(Json.object(r.body(), Set.of("cpuset")), "cpuset");
    return kernelOnly(vm, () -> vm.pins().emulator(cpuset)).thenApply(x -> Response.noContent());
  }

  // ---------------------------------------------------------------- iothreads

  private CompletableFuture<Response> iothreads(Request r) {
    return vm(r).iothreads().info().thenApply(l -> Response.json(200,
        Map.of("iothreads", l.stream().map(Views::iothread).toList())));
  }

  private CompletableFuture<Response> addIothread(Request r) {
    Vm vm = vm(r);
    ObjectNode b = Json.object(r.body(), Set.of("id", "poll_max_ns", "poll_grow", "poll_shrink", "aio_max_batch",
        "thread_pool_min", "thread_pool_max"));
    int id = Json.requiredInt(b, "id");
    if (vm.threads().iothread(id) != null) {
      throw ApiException.conflict("an IOThread is already using iothread_id '" + id + "'", "id");
    }
    Long tmin = Json.optionalLong(b, "thread_pool_min");
    Long tmax = Json.optionalLong(b, "thread_pool_max");
    TuningSpec.IothreadSpec spec = new TuningSpec.IothreadSpec(id, Json.optionalLong(b, "poll_max_ns"),
        Json.optionalLong(b, "poll_grow"), Json.optionalLong(b, "poll_shrink"), Json.optionalLong(b, "aio_max_batch"),
        tmin == null ? null : Math.toIntExact(tmin), tmax == null ? null : Math.toIntExact(tmax));
    return vm.iothreads().add(spec).thenApply(io -> {
      events.publish("iothread-added", vm.name(), Map.of("id", io.id(), "tid", io.tid()));
      return Response.created("/v1/vms/" + vm.name() + "/iothreads/" + io.id(), Views.iothread(io));
    });
  }

  private CompletableFuture<Response> deleteIothread(Request r) {
    Vm vm = vm(r);
    int id = intParam(r, "id");
    requireIothread(vm, id);
    return vm.iothreads().delete(id).thenApply(x -> {
      events.publish("iothread-deleted", vm.name(), Map.of("id", id));
      return Response.noContent();
    });
  }

  private CompletableFuture<Response> pinIothread(Request r) {
    Vm vm = vm(r);
    int id = intParam(r, "id");
    String cpuset = Json.requiredText(Json.object(r.body(), Set.of("cpuset")), "cpuset");
    requireIothread(vm, id);
    return kernelOnly(vm, () -> vm.pins().iothread(id, cpuset)).thenApply(x -> Response.noContent());
  }

  private static void requireIothread(Vm vm, int id) {
    if (id > 0 && vm.threads().iothread(id) == null) {
      throw ApiException.notFound("cannot find IOThread '" + id + "' in iothreadids list");
    }
  }

  // ---------------------------------------------------------------- scheduler

  private CompletableFuture<Response> sched(Request r) {
    return vm(r).scheduler().get().thenApply(s -> Response.json(200, Views.sched(s)));
  }

  private CompletableFuture<Response> setSched(Request r) {
    Vm vm = vm(r);
    ObjectNode b = Json.object(r.body(), Set.copyOf(SchedParams.KEYS));
    if (b.isEmpty()) {
      throw ApiException.badRequest("give at least one of " + String.join(", ", SchedParams.KEYS), null);
    }
    SchedParams p = new SchedParams();
    for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      p.set(k, Json.requiredLong(b, k));
    }
    return vm.scheduler().set(p).thenCompose(x -> vm.scheduler().get()).thenApply(s -> Response.json(200, Views.sched(s)));
  }

  // ---------------------------------------------------------------- disks

  private CompletableFuture<Response> attachDisk(Request r) {
    Vm vm = vm(r);
    ObjectNode b = Json.object(r.body(), Set.of("file", "target", "iothread", "format"));
    Path file = Path.of(Json.requiredText(b, "file"));
    if (!file.isAbsolute()) {
      throw ApiException.badRequest("file must be an absolute path, got '" + file + "'", "file");
    }
    String target = Json.requiredText(b, "target");
    int iothread = Json.requiredInt(b, "iothread");
    DiskFormat format = b.has("format") ? DiskFormat.of(Json.requiredText(b, "format")) : DiskFormat.RAW;
    return vm.disks().attach(file, target, iothread, format).thenApply(x -> Response.noContent());
  }

  private CompletableFuture<Response> detachDisk(Request r) {
    Vm vm = vm(r);
    String t = r.queryParam("timeout_ms");
    long ms = 30_000;
    if (t != null) {
      try {
        ms = Long.parseLong(t);
      } catch (NumberFormatException e) {
        ms = -1;
      }
      if (ms <= 0) {
        throw ApiException.badRequest("timeout_ms must be a positive integer, got '" + t + "'", "timeout_ms");
      }
    }
    return vm.disks().detach(r.param("target"), Duration.ofMillis(ms)).thenApply(x -> Response.noContent());
  }

  // ---------------------------------------------------------------- spec and drift

  private CompletableFuture<Response> drift(Request r) {
    Vm vm = vm(r);
    return vm.diff(vm.spec()).thenApply(d -> {
      supervisor.noteDrift(vm, d);
      return Response.json(200, Map.of("drift", Views.drift(d)));
    });
  }

  private CompletableFuture<Response> diff(Request r) {
    Vm vm = vm(r);
    TuningSpec spec = specBody(r);
    return vm.diff(spec).thenApply(d -> Response.json(200, Map.of("drift", Views.drift(d))));
  }

  private CompletableFuture<Response> spec(Request r) {
    return CompletableFuture.completedFuture(Response.json(200, Views.spec(vm(r).spec())));
  }

  private CompletableFuture<Response> apply(Request r) {
    Vm vm = vm(r);
    TuningSpec spec = specBody(r);
    if (spec.name() != null && !spec.name().equals(vm.name())) {
      throw ApiException.badRequest("the spec names VM '" + spec.name() + "', not '" + vm.name() + "'", "name");
    }
    return vm.apply(spec.name() == null ? spec.withName(vm.name()) : spec)
        .thenApply(v -> Response.json(200, Views.spec(v.spec())));
  }

  // ---------------------------------------------------------------- helpers

  /**
   * A pin of a placed VM is kernel calls only, run where the route is called (the event loop, see
   * {@link Route#onLoop}); an unplaced VM is placed first, which asks QEMU: that goes to a worker.
   */
  private <T> CompletableFuture<T> kernelOnly(Vm vm, java.util.function.Supplier<CompletableFuture<T>> op) {
    if (vm.placed()) {
      return op.get();
    }
    return CompletableFuture.supplyAsync(op, workers).thenCompose(f -> f);
  }

  private Vm vm(Request r) {
    return supervisor.require(r.param("name"));
  }

  private static int intParam(Request r, String name) {
    String v = r.param(name);
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(name + " must be an integer, got '" + v + "'", name);
    }
  }
}
