#!/usr/bin/env bash
# Build-time extras of the qtune CLI (run by exec-maven-plugin at package):
#   target/qtune_completion.bash  bash/zsh completion (picocli.AutoComplete)
#   target/man/*.adoc, *.1        man pages (picocli-codegen ManPageGenerator; roff when asciidoctor exists)
#   target/lib/picocli-*.jar      picocli rebuilt from its sources jar as Java 17 bytecode (the
#                                 released jar is Java 5 bytecode, which AppCDS skips: ~170 classes)
#   target/qtune.jsa              AppCDS archive for ./qtune (training run: cds-train)
#   target/qtune-client.jsa       the same for a pin through qtune daemon (CdsTrainClient)
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
  # the same flags and class path as ./qtune, or the JVM refuses the archive; two archives: every
  # verb's classes (qtune.jsa), and only those of a command through the daemon (qtune-client.jsa,
  # 1.8 MB against 19 MB: mapping the big one cost ~60 ms of a pin through the daemon)
  for kind in full client; do
    jsa=$target/qtune.jsa main=(io.qtune.cli.QtuneCli cds-train)
    [[ $kind == client ]] && jsa=$target/qtune-client.jsa main=(io.qtune.cli.CdsTrainClient)
    rm -f "$jsa"
    timeout 120 java -XX:ArchiveClassesAtExit="$jsa" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData \
      -Xlog:disable -Xlog:all=error:stderr -Djava.nio.channels.spi.SelectorProvider=sun.nio.ch.EPollSelectorProvider \
      -cp "$cp_app" "${main[@]}" \
      || echo "cli-extras: AppCDS training ($kind) failed; ./qtune runs without that archive"
    [[ -f $jsa ]] && echo "cli-extras: AppCDS archive ${jsa##*/} $(du -h "$jsa" | cut -f1)"
  done
fi
exit 0
