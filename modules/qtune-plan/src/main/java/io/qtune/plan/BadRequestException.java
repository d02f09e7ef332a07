package io.qtune.plan;

/** The request itself is malformed or self-contradictory (nothing to do with what is free). */
public final class BadRequestException extends RuntimeException {
    public BadRequestException(String message) {
        super(message);
    }
}
