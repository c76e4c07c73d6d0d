#!/usr/bin/env bash
# Native beside JVM (issue 26): builds the native function.zip into target/native with the stand-in GraalVM of
# ../shared/native-toolchain (or GRAALVM_HOME), then runs the benchmark's `native` section, which measures the JVM
# zip and the native zip one after the other in one run (target/bench/results.md). Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
graal_home=${GRAALVM_HOME:-}
if [ -z "$graal_home" ]; then
  graal_home=$(../shared/native-toolchain/assemble.sh)
fi
if [ ! -f target/native/function.zip ] || [ -n "${MOA_BENCH_REBUILD:-}" ]; then
  ./mvnw -B -q package -Dnative -DskipTests -Dmoa.build.directory=target/native \
    -Dquarkus.native.graalvm-home="$graal_home"
fi
bench/run.sh -Dmoa.bench.sections=native -Dmoa.bench.native.zip="$PWD/target/native/function.zip" "$@"
