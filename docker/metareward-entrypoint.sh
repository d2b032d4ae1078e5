#!/bin/sh
# Entry point of the metareward images: runs the CLI from the thin jar and its lib/ folder.
# METAREWARD_JAVA_OPTS replaces the JVM options; the default leaves half of the container's memory
# outside the heap because ND4J keeps its arrays off-heap (see shared/docs/FACTS.md).
set -eu
exec java ${METAREWARD_JAVA_OPTS:--XX:MaxRAMPercentage=50} \
  -Dorg.bytedeco.javacpp.cachedir="${JAVACPP_CACHE_DIR:-/var/cache/metareward/javacpp}" \
  -jar /opt/metareward/metareward.jar "$@"
