package io.qtune.daemon;

import io.qtune.core.InvalidInputException;
import io.qtune.core.OperationFailedException;
import io.qtune.core.QtuneException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * An RFC 9457 problem document, and the one place that maps qtune's typed errors to HTTP: the
 * CLI's split kept (invalid input: nothing changed, 422; failed midway: rolled back, 500).
 */
public record Problem(String type, String title, int status, String detail, String instance, String field,
    List<String> problems) {

  public static Problem of(Throwable error, String instance, String defaultField) {
    Throwable e = unwrap(error);
    if (e instanceof ApiException a) {
      return new Problem(type(a.status()), title(a.status()), a.status(), a.getMessage(), instance, a.field(),
          List.of(a.getMessage()));
    }
    if (e instanceof InvalidInputException inv) {
      return new Problem(type(422), title(422), 422, inv.getMessage(), instance, defaultField, inv.problems());
    }
    if (e instanceof OperationFailedException || e instanceof QtuneException
        || e instanceof io.qtune.qmp.QmpException) {
      // QMP's own errors say what QEMU did or did not do ("Cannot connect to QMP socket ...")
      return new Problem(type(500), title(500), 500, e.getMessage(), instance, null, List.of(e.getMessage()));
    }
    String detail = "internal error: " + e;
    return new Problem(type(500), title(500), 500, detail, instance, null, List.of(detail));
  }

  static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  static String type(int status) {
    return "urn:qtune:problem:" + switch (status) {
      case 400 -> "bad-request";
      case 403 -> "forbidden";
      case 404 -> "not-found";
      case 405 -> "method-not-allowed";
      case 409 -> "conflict";
      case 422 -> "invalid-input";
      case 503 -> "unavailable";
      default -> "operation-failed";
    };
  }

  static String title(int status) {
    return switch (status) {
      case 400 -> "Bad request: nothing was changed";
      case 403 -> "Forbidden: only root and group qtune may change things";
      case 404 -> "Not found";
      case 405 -> "Method not allowed";
      case 409 -> "Conflict: nothing was changed";
      case 422 -> "Invalid input: nothing was changed";
      case 503 -> "Unavailable";
      default -> "Operation failed: its changes were rolled back";
    };
  }

  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", type);
    m.put("title", title);
    m.put("status", status);
    m.put("detail", detail);
    m.put("instance", instance);
    if (field != null) {
      m.put("field", field);
    }
    m.put("problems", problems);
    return m;
  }
}
