#!/usr/bin/env bash
# Runs every benchmark of the project once, with the settings docs/benchmarks.md reports,
# and keeps each one's output in a folder: the full run behind the README's performance table.
# Usage: benchmarks/run-all.sh [output folder], the folder relative to where it is called from.
# RECIPES_TARGET names the build folder (default target), as -Drecipes.target does for Maven.
# Needs Redis on 127.0.0.1:6379 for the bus benchmarks. Takes about half an hour on 2 cores.
# A benchmark that fails (the ingress one exits 1 if an accepted event was lost) does not stop
# the others; the script then exits 1 at the end, naming it.
set -uo pipefail
out="${1:-benchmarks/results-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$(dirname "$0")/.."
target="${RECIPES_TARGET:-target}"
mvn -q -Drecipes.target="$target" -pl benchmarks -am package -DskipTests || exit 1
jar="benchmarks/$target/benchmarks.jar"
{ uname -a; nproc; java -version 2>&1; uptime; } > "$out/machine.txt"
failed=()
run() {
    local name="$1"; shift
    echo "== $name: $*"
    "$@" > "$out/$name.txt" 2>&1
    local status=$?
    if [ "$status" -ne 0 ]; then
        failed+=("$name")
        echo "== $name FAILED (exit status $status; see $out/$name.txt)"
    fi
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
if [ "${#failed[@]}" -gt 0 ]; then
    echo "failed: ${failed[*]}" >&2
    exit 1
fi
