package io.qtune.qmp;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An asynchronous QMP event, e.g. {@code STOP}, {@code RESUME}, {@code DEVICE_DELETED}.
 *
 * @param data the {@code data} member; an empty object when the event has none
 * @param seconds host time of the event; -1 when QEMU could not read the clock
 */
public record QmpEvent(String name, JsonNode data, long seconds, long microseconds) {
}
