package io.qtune.core;

/** One difference between a spec and the live placement: what, what the spec wants, what is. */
public record Drift(String what, String expected, String actual) {
  @Override
  public String toString() {
    return what + ": expected " + expected + ", found " + actual;
  }
}
