#!/bin/sh
# Entry point of the metareward images: runs the CLI from the thin jar and its lib/ folder, with the JVM flags the
# model needs from the same file bin/metareward uses (config/jvm.options: the Vector API module, headless AWT).
# METAREWARD_JAVA_OPTS replaces the heap options; the default leaves half of the container's memory outside the
# heap because ND4J keeps its arrays off-heap.
set -eu
# OpenBLAS picks its kernels for the CPU unless METAREWARD_OPENBLAS_CORETYPE forces some (DECISIONS.md 63).
if [ -n "${METAREWARD_OPENBLAS_CORETYPE:-}" ]; then
  export OPENBLAS_CORETYPE="$METAREWARD_OPENBLAS_CORETYPE"
else
  unset OPENBLAS_CORETYPE
fi
exec java ${METAREWARD_JAVA_OPTS:--XX:MaxRAMPercentage=50} @/opt/metareward/config/jvm.options \
  -Dorg.bytedeco.javacpp.cachedir="${JAVACPP_CACHE_DIR:-/var/cache/metareward/javacpp}" \
  -jar /opt/metareward/metareward.jar "$@"
