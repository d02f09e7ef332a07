package io.qtune.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar's manifest (absent when run from classes). */
final class Version implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = QtuneCli.class.getPackage().getImplementationVersion();
    return new String[] {"qtune " + (v == null ? "(development build)" : v)};
  }
}
