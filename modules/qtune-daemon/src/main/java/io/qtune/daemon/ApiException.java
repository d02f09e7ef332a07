package io.qtune.daemon;

/**
 * A request the daemon itself refuses before calling the library (a malformed body, an unknown
 * VM, a conflict, a caller without the right), with its HTTP status and the field at fault.
 */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String field;

  public ApiException(int status, String detail, String field) {
    super(detail);
    this.status = status;
    this.field = field;
  }

  public static ApiException badRequest(String detail, String field) {
    return new ApiException(400, detail, field);
  }

  public static ApiException notFound(String detail) {
    return new ApiException(404, detail, null);
  }

  public static ApiException conflict(String detail, String field) {
    return new ApiException(409, detail, field);
  }

  public static ApiException forbidden(String detail) {
    return new ApiException(403, detail, null);
  }

  public int status() {
    return status;
  }

  public String field() {
    return field;
  }
}
