package io.qtune.host.cpu;

/**
 * Text that is not a valid CPU set. The message starts with libvirt's wording
 * ({@code Failed to parse bitmap '1-0'}) followed by the reason.
 */
public final class CpuSetFormatException extends IllegalArgumentException {
    private final String text;
    private final String reason;

    CpuSetFormatException(String text, String reason) {
        super("Failed to parse bitmap '" + text + "'" + (reason == null ? "" : ": " + reason));
        this.text = text;
        this.reason = reason;
    }

    /** The text that was refused. */
    public String text() {
        return text;
    }

    /** Why it was refused. */
    public String reason() {
        return reason;
    }
}
