#!/usr/bin/env bash
# Runs every benchmark of the project once, with the settings docs/benchmarks.md reports,
# and keeps each one's output in a folder: the full run behind the README's performance table.
# Usage, from the project root: benchmarks/run-all.sh [output folder]
# Needs Redis on 127.0.0.1:6379 for the bus benchmarks. Takes about half an hour on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-benchmarks/results-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
mvn -q -pl benchmarks -am package -DskipTests
jar=benchmarks/target/benchmarks.jar
{ uname -a; nproc; java -version 2>&1; uptime; } > "$out/machine.txt"
run() {
    local name="$1"; shift
    echo "== $name: $*"
    "$@" > "$out/$name.txt" 2>&1
    tail -n 25 "$out/$name.txt"
}
run bus-throughput java -jar "$jar" BusThroughput -rf json -rff "$out/bus-throughput.json"
run bus-fanout java -jar "$jar" BusFanout -f 2 -wi 3 -i 5 -w 1s -r 1s -prof gc \
    -rf json -rff "$out/bus-fanout.json"
run recipe-dispatch java -jar "$jar" RecipeDispatch -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc \
    -rf json -rff "$out/recipe-dispatch.json"
run slack-ingress java -cp "$jar" dev.recipes.benchmarks.SlackIngressBenchmark
run webhook-to-row java -cp "$jar" dev.recipes.benchmarks.WebhookToRowBenchmark
run soak java -Xms512m -Xmx512m -XX:+UseG1GC -cp "$jar" dev.recipes.benchmarks.SoakRun
echo "results in $out"
