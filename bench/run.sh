#!/usr/bin/env bash
# The orchestration benchmark: packages the function, runs target/function.zip under the Lambda runtime interface
# client against a simulated upstream, and writes its tables to target/bench/results.md (see BENCHMARKS.md); the
# streaming benchmark runs the server build as well (target/bench/streaming.md); EvalBench compares a 1,000-item
# eval run with a 1,000-line batch on the state machines' steps (target/bench/evals.md).
# Takes a few minutes. Extra arguments go to Maven, e.g. -Dmoa.bench.requests=50 or
# -Dmoa.bench.java=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java (the JDK that runs the function).
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -Pbench verify "$@"
echo
echo "Results: target/bench/results.md (orchestration), target/bench/streaming.md (time to first token)"
