package io.qtune.plan;

/**
 * One decision the planner took and why, e.g. {@code thread_policy: isolate: one CPU per core,
 * siblings 5,7 kept idle}.
 *
 * @param topic the option or step it is about ({@code numa}, {@code thread_policy}, ...)
 */
public record Decision(String topic, String why) {
    @Override
    public String toString() {
        return topic + ": " + why;
    }
}
