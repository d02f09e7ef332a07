package io.qtune.plan.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qtune.host.cpu.CpuSet;
import io.qtune.plan.BadRequestException;
import io.qtune.plan.Ledger;
import io.qtune.plan.Plan;
import io.qtune.plan.PlanException;
import io.qtune.plan.PlanRequest;
import io.qtune.plan.Planner;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code qtune plan --request}: one JSON request in, one JSON answer out, never an exception.
 * The answer is {@code {"cpus": [...], "pinning": {...}, "emulator_cpus": [...], "guest_numa": [...]}}
 * or {@code {"error": "..."}}.
 */
public final class MachineInterface {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * @param json the answer, one line
     * @param status 0 planned, 1 the host cannot do it, 2 the request is malformed
     */
    public record Answer(String json, int status) {
    }

    private MachineInterface() {
    }

    public static Answer answer(String requestLine) {
        JsonNode root;
        try {
            root = MAPPER.readTree(requestLine);
        } catch (JsonProcessingException e) {
            return error("bad request: not JSON: " + e.getOriginalMessage(), 2);
        }
        if (root == null) {
            return error("bad request: empty input", 2);
        }
        try {
            RequestJson r = RequestJson.parse(root);
            Ledger ledger = r.ledger();
            for (int i = 0; i < r.priorSteps().size(); i++) {
                int n = r.priorSteps().get(i);
                if (n == 0) {
                    continue;
                }
                try {
                    ledger = ledger.after(Planner.plan(r.topology(), ledger,
                            PlanRequest.dedicated(n, r.request() == null ? null : r.request().options())));
                } catch (PlanException e) {
                    return error("step " + i + " (" + n + " CPUs): " + e.getMessage(), 1);
                }
            }
            if (r.request() == null) {
                return new Answer("{\"cpus\":[]}", 0);
            }
            Plan p = Planner.plan(r.topology(), ledger, r.request());
            return new Answer(MAPPER.writeValueAsString(render(p, r)), 0);
        } catch (BadRequestException e) {
            return error("bad request: " + e.getMessage(), 2);
        } catch (PlanException e) {
            return error(e.getMessage(), 1);
        } catch (JsonProcessingException e) {
            return error("cannot render the answer: " + e.getOriginalMessage(), 1);
        }
    }

    private static ObjectNode render(Plan p, RequestJson r) {
        ObjectNode out = MAPPER.createObjectNode();
        out.set("cpus", list(p.cpus()));
        ObjectNode pin = out.putObject("pinning");
        for (Map.Entry<Integer, Integer> e : new TreeMap<>(p.pinning()).entrySet()) {
            pin.put(String.valueOf(e.getKey()), e.getValue());
        }
        if (r.request().options().emulatorCpus() > 0) {
            out.set("emulator_cpus", list(p.emulatorCpus()));
        }
        if (r.guestNuma()) {
            ArrayNode cells = out.putArray("guest_numa");
            for (Map.Entry<Integer, Integer> e : p.guestNuma().entrySet()) {
                ObjectNode c = cells.addObject();
                c.put("id", e.getKey());
                if (e.getValue() < 0) {
                    c.putNull("host_numa");
                } else {
                    c.put("host_numa", e.getValue());
                }
            }
        }
        return out;
    }

    private static ArrayNode list(CpuSet s) {
        ArrayNode a = MAPPER.createArrayNode();
        for (int c : s.cpus()) {
            a.add(c);
        }
        return a;
    }

    private static Answer error(String why, int status) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("error", why);
        try {
            return new Answer(MAPPER.writeValueAsString(o), status);
        } catch (JsonProcessingException e) {
            return new Answer("{\"error\":\"unrenderable error\"}", status);
        }
    }
}
