package io.qtune.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** docs/api/openapi.yaml and the served routes are the same set, both ways. */
class OpenApiContractTest {

  private static Set<String> served() {
    Route.Handler none = r -> CompletableFuture.completedFuture(Response.noContent());
    Set<String> out = new TreeSet<>();
    new Api(null, null, null, null, null).router(none, none).routes().forEach(r -> out.add(r.method() + " " + r.template()));
    return out;
  }

  @Test
  void everyServedRouteIsDocumented() {
    Set<String> documented = Contract.load().operations();
    Set<String> missing = new TreeSet<>(served());
    missing.removeAll(documented);
    assertEquals(Set.of(), missing, "served but not in " + Contract.FILE);
  }

  @Test
  void everyDocumentedRouteIsServed() {
    Set<String> extra = new TreeSet<>(Contract.load().operations());
    extra.removeAll(served());
    assertEquals(Set.of(), extra, "documented in " + Contract.FILE + " but not served");
  }

  @Test
  void everyChangingRouteDocuments403AndEveryErrorIsProblemJson() {
    Contract c = Contract.load();
    Route.Handler none = r -> CompletableFuture.completedFuture(Response.noContent());
    for (Route r : new Api(null, null, null, null, null).router(none, none).routes()) {
      var op = c.api.getPaths().get(r.template()).readOperationsMap()
          .get(io.swagger.v3.oas.models.PathItem.HttpMethod.valueOf(r.method()));
      if (r.changes()) {
        assertTrue(op.getResponses().containsKey("403"), r.method() + " " + r.template() + " changes things: 403 documented");
      }
    }
  }

  /** The schema check itself: a document missing a required property, or of a wrong type, fails it. */
  @Test
  void theSchemaCheckRejectsWhatDoesNotMatch() throws Exception {
    Contract c = Contract.load();
    String ok = "{\"name\":\"vm1\",\"pid\":1,\"qmp_socket\":\"/s\",\"domain_path\":\"/machine/x\",\"launched\":false,\"placed\":true}";
    assertEquals(List.of(), c.check("POST", "/v1/vms", 201, "application/json", ok));
    List<String> missing = c.check("POST", "/v1/vms", 201, "application/json", ok.replace("\"pid\":1,", ""));
    assertEquals(List.of("$: required property 'pid' is missing"), missing);
    List<String> wrongType = c.check("POST", "/v1/vms", 201, "application/json", ok.replace("\"pid\":1", "\"pid\":\"1\""));
    assertFalse(wrongType.isEmpty(), "a string pid must not match integer");
    assertFalse(c.check("PUT", "/v1/vms/{name}/vcpus/{vcpu}/pin", 418, null, "").isEmpty(), "an undocumented status fails");
    assertFalse(c.check("GET", "/v1/vms/{name}/sched", 200, "application/json",
        "{\"scheduler\":\"fifo\",\"vcpu_period\":1,\"vcpu_quota\":1,\"emulator_period\":null,\"emulator_quota\":null,"
            + "\"global_period\":1,\"global_quota\":-1,\"iothread_period\":null,\"iothread_quota\":null}").isEmpty(),
        "const posix is checked");
  }
}
