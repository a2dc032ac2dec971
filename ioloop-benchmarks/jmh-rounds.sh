#!/usr/bin/env bash
# Runs one JMH benchmark for several configurations in alternating rounds (A B C, then C B A, ...), one short JMH
# run per configuration per round, and prints a markdown table: the median score with its range, the median B/op,
# and the median over rounds of the first configuration's score divided by each other one's (ratios taken within a
# round: ioloop-benchmarks/README.md, "Method", says why on a noisy machine).
#
#   ioloop-benchmarks/jmh-rounds.sh BENCHMARK CONFIG [CONFIG...]
#   ROUNDS=6 ioloop-benchmarks/jmh-rounds.sh 'CallbackBenchmark.throughput1$' \
#       'target=ioloop;latencyListener=true' 'target=ioloop' 'target=netty-nio' 'target=netty-epoll'
#
# A CONFIG is JMH parameters separated by ';' (each becomes -p name=value); prefix it with 'JAR=path;' to run that
# configuration from another benchmarks jar (e.g. one built from an older commit). Options (environment):
#   ROUNDS=6                  rounds
#   JAR=ioloop-benchmarks/target/benchmarks.jar
#   JMH_OPTS="-f 1 -wi 2 -w 1s -i 3 -r 1s -prof gc"
#   OUT_DIR=/tmp/jmh-rounds.<pid>   JSON results of every run, and results.txt
# It does not build: run `mvn -B -ntp -DskipTests package` first.
set -euo pipefail

[ $# -ge 2 ] || { sed -n '2,17p' "$0"; exit 2; }
BENCH=$1; shift
CONFIGS=("$@")
ROUNDS=${ROUNDS:-6}
JAR=${JAR:-ioloop-benchmarks/target/benchmarks.jar}
JMH_OPTS=${JMH_OPTS:--f 1 -wi 2 -w 1s -i 3 -r 1s -prof gc}
OUT_DIR=${OUT_DIR:-/tmp/jmh-rounds.$$}
mkdir -p "$OUT_DIR"
: > "$OUT_DIR/results.txt"

run_config() { # round index config
    local round=$1 index=$2 config=$3 jar=$JAR params=() item
    IFS=';' read -ra items <<< "$config"
    for item in "${items[@]}"; do
        case "$item" in
            JAR=*) jar=${item#JAR=} ;;
            '') ;;
            *) params+=(-p "$item") ;;
        esac
    done
    [ -f "$jar" ] || { echo "no benchmarks jar at $jar: build it first" >&2; exit 1; }
    local json="$OUT_DIR/r$round-c$index.json"
    # shellcheck disable=SC2086
    java -jar "$jar" "$BENCH" "${params[@]}" $JMH_OPTS -rf json -rff "$json" > "$OUT_DIR/r$round-c$index.log" 2>&1 \
        || { echo "run failed: $config (see $OUT_DIR/r$round-c$index.log)" >&2; exit 1; }
    python3 - "$json" "$round" "$index" >> "$OUT_DIR/results.txt" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
if len(d) != 1:
    sys.exit("expected one result per run, got %d: make BENCHMARK and the parameters select one" % len(d))
r = d[0]
alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score", float("nan"))
print(sys.argv[2], sys.argv[3], r["primaryMetric"]["score"], alloc, r["primaryMetric"]["scoreUnit"])
EOF
    tail -1 "$OUT_DIR/results.txt" | awk -v c="$config" '{printf "round %s  %-50s %10.3f %s  %.3f B/op\n", $1, c, $3, $5, $4}'
}

for ((round = 1; round <= ROUNDS; round++)); do
    if ((round % 2)); then
        for ((i = 0; i < ${#CONFIGS[@]}; i++)); do run_config "$round" "$i" "${CONFIGS[$i]}"; done
    else
        for ((i = ${#CONFIGS[@]} - 1; i >= 0; i--)); do run_config "$round" "$i" "${CONFIGS[$i]}"; done
    fi
done

python3 - "$OUT_DIR/results.txt" "$BENCH" "${CONFIGS[@]}" <<'EOF'
import collections, statistics, sys
path, bench, configs = sys.argv[1], sys.argv[2], sys.argv[3:]
score = collections.defaultdict(dict)
alloc = collections.defaultdict(list)
unit = ""
for line in open(path):
    rnd, idx, s, a, unit = line.split()
    score[int(idx)][int(rnd)] = float(s)
    alloc[int(idx)].append(float(a))
print(f"\n{bench}: {len(score[0])} rounds; score in {unit}; ratio = first configuration / this one, median over rounds\n")
print("| configuration | score, median (min-max) | first / this | B/op |")
print("|---|---:|---:|---:|")
for i, c in enumerate(configs):
    v = list(score[i].values())
    ratios = [score[0][r] / score[i][r] for r in score[i] if r in score[0] and score[i][r] > 0]
    ratio = "" if i == 0 else f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
    print(f"| `{c}` | {statistics.median(v):.3f} ({min(v):.3f}-{max(v):.3f}) | {ratio} | {statistics.median(alloc[i]):.3f} |")
EOF
