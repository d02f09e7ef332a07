package io.qtune.plan.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.qtune.host.cpu.CpuSet;
import io.qtune.plan.BadRequestException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** Typed reads of JSON fields, each failure naming the field. */
final class Fields {
    private Fields() {
    }

    /** Refuses any field of {@code node} not in {@code known}. */
    static void only(JsonNode node, String where, Set<String> known) {
        if (!node.isObject()) {
            throw new BadRequestException(where + " must be an object");
        }
        Iterator<String> it = node.fieldNames();
        while (it.hasNext()) {
            String f = it.next();
            if (!known.contains(f)) {
                throw new BadRequestException("unknown field '" + f + "' in " + where);
            }
        }
    }

    static JsonNode required(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new BadRequestException(where + " has no '" + field + "'");
        }
        return v;
    }

    static int integer(JsonNode v, String name) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new BadRequestException(name + " must be an integer, got " + v);
        }
        return v.intValue();
    }

    static int integer(JsonNode node, String field, int dflt) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? dflt : integer(v, field);
    }

    /** null or absent: unknown. */
    static Integer nullableInt(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : integer(v, where + "." + field);
    }

    static boolean bool(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new BadRequestException(field + " must be true or false, got " + v);
        }
        return v.booleanValue();
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new BadRequestException(field + " must be a string, got " + v);
        }
        return v.textValue();
    }

    static List<Integer> ints(JsonNode v, String name) {
        if (!v.isArray()) {
            throw new BadRequestException(name + " must be a list of integers, got " + v);
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : v) {
            int i = integer(e, name + " element");
            if (i < 0) {
                throw new BadRequestException(name + " element " + i + " must not be negative");
            }
            out.add(i);
        }
        return out;
    }

    /** A list of CPU (or vCPU, node) numbers; absent is empty. */
    static CpuSet set(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return CpuSet.empty();
        }
        List<Integer> l = ints(v, field);
        if (l.size() != l.stream().distinct().count()) {
            throw new BadRequestException(field + " lists a number twice: " + v);
        }
        return CpuSet.of(l.stream().mapToInt(Integer::intValue).toArray());
    }
}
