#!/usr/bin/env bash
# Build-time extras of the qtune CLI (run by exec-maven-plugin at package):
#   target/qtune_completion.bash  bash/zsh completion (picocli.AutoComplete)
#   target/man/*.adoc, *.1        man pages (picocli-codegen ManPageGenerator; roff when asciidoctor exists)
#   target/lib/picocli-*.jar      picocli rebuilt from its sources jar as Java 17 bytecode (the
#                                 released jar is Java 5 bytecode, which AppCDS skips: ~170 classes)
#   target/qtune.jsa              AppCDS archive for ./qtune (training run: cds-train)
# Set QTUNE_SKIP_CDS=1 to skip the archive.
set -euo pipefail
target=$1 jar=$target/$2 codegen=$3 picocli_version=$4
cd "$target"

src=$target/picocli-src/picocli-$picocli_version-sources.jar
if [[ -f $src ]]; then
  work=$target/picocli-rebuild
  rm -rf "$work" && mkdir -p "$work/src" "$work/classes"
  (cd "$work/src" && jar xf "$src")
  javac -nowarn --release 17 -d "$work/classes" $(find "$work/src" -name '*.java')
  # keep the released manifest (Multi-Release, OSGi headers) and module-info
  (cd "$work/classes" && jar xf "$target/lib/picocli-$picocli_version.jar" META-INF)
  (cd "$work/classes" && jar cfm "$target/lib/picocli-$picocli_version.jar" META-INF/MANIFEST.MF .)
  rm -rf "$work"
fi
cp_app="$jar"
cp_gen="$jar:$codegen:$(ls lib/*.jar | sed "s|^|$target/|" | paste -sd:)"

rm -rf "$target/man"
# the verbs are added in code, so picocli's own mains (which read annotations) would see none
java -cp "$cp_gen" io.qtune.cli.BuildExtras "$target/qtune_completion.bash" "$target/man"
if command -v asciidoctor >/dev/null; then
  asciidoctor -b manpage -D "$target/man" "$target"/man/*.adoc
else
  echo "cli-extras: asciidoctor not installed; man pages left as AsciiDoc in $target/man"
fi

if [[ ${QTUNE_SKIP_CDS:-0} != 1 ]]; then
  rm -f "$target/qtune.jsa"
  # the same flags and class path as ./qtune, or the JVM refuses the archive
  timeout 120 java -XX:ArchiveClassesAtExit="$target/qtune.jsa" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData \
    -Xlog:disable -Xlog:all=error:stderr -cp "$cp_app" io.qtune.cli.QtuneCli cds-train \
    || echo "cli-extras: AppCDS training failed; ./qtune runs without the archive"
  [[ -f $target/qtune.jsa ]] && echo "cli-extras: AppCDS archive $(du -h "$target/qtune.jsa" | cut -f1)"
fi
exit 0
