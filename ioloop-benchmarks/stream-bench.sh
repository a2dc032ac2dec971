#!/usr/bin/env bash
# Stream echo and line protocol, end to end: each StreamServers target in its own JVM on SERVER_CPU, driven by the
# StreamLoad client on CLIENT_CPU, in alternating rounds; prints the server CPU time per request of each target and
# its ratio to the Netty epoll server of the same protocol. See ioloop-benchmarks/README.md ("Stream echo and line
# protocol", "Method").
#
# Usage: ioloop-benchmarks/stream-bench.sh            (from anywhere; the repository root is found from here)
# Environment (all optional):
#   ROUNDS=5                rounds; each runs every target at each pipelining of PIPELINES
#   TARGETS="echo-ioloop-fast echo-ioloop-futures echo-netty-epoll echo-netty-nio line-ioloop-fast
#            line-ioloop-futures line-netty-epoll-hand line-netty-epoll-codec line-netty-nio-hand
#            line-netty-nio-codec"
#                           servers, in this order within a round (StreamServers lists every target; the
#                           raw-socket baselines run a thread per connection)
#   ECHO_REF=echo-netty-epoll LINE_REF=line-netty-epoll-hand   what the ratios of echo-* and line-* divide by
#   PIPELINES="16 1"        requests each connection sends before reading their replies (StreamLoad --pipeline)
#   N_P16=2000000 N_P1=200000   requests per run at pipelining 16 and 1 (other pipelinings use N_P16)
#   CONNECTIONS=50 SIZE=32  connections, and bytes per request with its '\n'
#   BASE_PORT=7390          the servers listen on BASE_PORT, BASE_PORT+1, ... in TARGETS order
#   SERVER_CPU=0 CLIENT_CPU=1   taskset CPUs of the servers and of the load generator
#   WARMUP_N=500000         requests of the unrecorded warm-up run per target and pipelining (JIT), 0 for none
#   SKIP_BUILD=1            use the benchmarks jar already built
#   OUT_DIR=DIR             where logs, runs.tsv and results.md go (default: a new temporary directory)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${ROUNDS:-5}"
TARGETS="${TARGETS:-echo-ioloop-fast echo-ioloop-futures echo-netty-epoll echo-netty-nio line-ioloop-fast \
line-ioloop-futures line-netty-epoll-hand line-netty-epoll-codec line-netty-nio-hand line-netty-nio-codec}"
ECHO_REF="${ECHO_REF:-echo-netty-epoll}"
LINE_REF="${LINE_REF:-line-netty-epoll-hand}"
PIPELINES="${PIPELINES:-16 1}"
N_P16="${N_P16:-2000000}"
N_P1="${N_P1:-200000}"
CONNECTIONS="${CONNECTIONS:-50}"
SIZE="${SIZE:-32}"
BASE_PORT="${BASE_PORT:-7390}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
WARMUP_N="${WARMUP_N:-500000}"
SKIP_BUILD="${SKIP_BUILD:-0}"
OUT_DIR="${OUT_DIR:-$(mktemp -d /tmp/stream-bench.XXXXXX)}"
SERVER_JVM_FLAGS=(-Xms512m -Xmx512m -XX:+UseSerialGC -XX:-UsePerfData)
CLIENT_JVM_FLAGS=(-Xms256m -Xmx256m -XX:+UseSerialGC -XX:-UsePerfData)
mkdir -p "$OUT_DIR"
BENCH_JAR="$ROOT/ioloop-benchmarks/target/benchmarks.jar"

declare -A PORT PID
STARTED=()

die() {
    echo "stream-bench: $*" >&2
    exit 1
}

cleanup() {
    local pid
    for pid in "${STARTED[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED[@]}"; do
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT

command -v taskset >/dev/null || die "taskset not found (Debian package util-linux)"
command -v python3 >/dev/null || die "python3 not found (it prints the table)"

if [[ "$SKIP_BUILD" != 1 ]]; then
    (cd "$ROOT" && mvn -B -ntp -q -DskipTests -pl ioloop-benchmarks -am package)
fi
[[ -f "$BENCH_JAR" ]] || die "$BENCH_JAR not found: build it (mvn -B -ntp -DskipTests -pl ioloop-benchmarks -am package)"

protocol_of() {
    case "$1" in
        echo-*) echo echo ;;
        line-*) echo line ;;
        *) die "unknown target '$1' (echo-* or line-*: see StreamServers)" ;;
    esac
}

# ------------------------------------------------------------------ servers

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_server() {
    local target=$1 port=$2
    protocol_of "$target" >/dev/null
    port_in_use "$port" && die "port $port (for $target) is already in use: set BASE_PORT"
    taskset -c "$SERVER_CPU" java "${SERVER_JVM_FLAGS[@]}" -cp "$BENCH_JAR" dev.ioloop.bench.StreamServers \
        "$target" "$port" >"$OUT_DIR/$target.log" 2>&1 &
    # taskset execs java, so $! is the server's own PID (the one /proc/<pid>/stat is read for).
    PID[$target]=$!
    STARTED+=("$!")
    PORT[$target]=$port
}

wait_ready() {
    local target=$1
    for _ in $(seq 600); do
        grep -q "listening on" "$OUT_DIR/$target.log" 2>/dev/null && return 0
        kill -0 "${PID[$target]}" 2>/dev/null || { tail -20 "$OUT_DIR/$target.log" >&2; die "$target exited"; }
        sleep 0.1
    done
    tail -20 "$OUT_DIR/$target.log" >&2
    die "$target did not listen on port ${PORT[$target]} within 60 s"
}

# utime + stime of the whole process (all threads), in clock ticks: fields 14 and 15 of /proc/<pid>/stat,
# counted after the command name, which may contain spaces.
cpu_ticks() {
    local stat rest
    stat=$(<"/proc/$1/stat")
    rest=${stat##*) }
    # shellcheck disable=SC2086
    set -- $rest
    echo $(( ${12} + ${13} ))
}

# ------------------------------------------------------------------ measuring

CLK_TCK=$(getconf CLK_TCK)
RESULTS="$OUT_DIR/runs.tsv"
printf 'round\tP\ttarget\trps\tcpu_us_per_req\n' >"$RESULTS"

requests_for() {
    if [[ $1 == 1 ]]; then echo "$N_P1"; else echo "$N_P16"; fi
}

# One StreamLoad run; prints "rps cpu_us_per_req".
run_once() {
    local target=$1 pipeline=$2 n=$3 log=$4 before after rps
    kill -0 "${PID[$target]}" 2>/dev/null || { tail -20 "$OUT_DIR/$target.log" >&2; die "$target exited"; }
    before=$(cpu_ticks "${PID[$target]}")
    taskset -c "$CLIENT_CPU" java "${CLIENT_JVM_FLAGS[@]}" -cp "$BENCH_JAR" dev.ioloop.bench.StreamLoad \
        --port "${PORT[$target]}" --protocol "$(protocol_of "$target")" --connections "$CONNECTIONS" \
        --pipeline "$pipeline" --requests "$n" --size "$SIZE" >"$log" 2>&1 \
        || { cat "$log" >&2; die "the load on $target failed (see $log)"; }
    after=$(cpu_ticks "${PID[$target]}")
    rps=$(sed -n 's/.*rps=\([0-9]*\).*/\1/p' "$log")
    [[ -n "$rps" ]] || die "unexpected StreamLoad output for $target (see $log)"
    awk -v rps="$rps" -v ticks=$((after - before)) -v hz="$CLK_TCK" -v n="$n" \
        'BEGIN { printf "%s %.3f\n", rps, ticks / hz * 1e6 / n }'
}

echo "stream-bench: logs and raw results in $OUT_DIR" >&2
i=0
for target in $TARGETS; do
    start_server "$target" $((BASE_PORT + i))
    i=$((i + 1))
done
for target in $TARGETS; do
    wait_ready "$target"
done

if [[ "$WARMUP_N" -gt 0 ]]; then
    for target in $TARGETS; do
        echo "stream-bench: warming up $target" >&2
        for pipeline in $PIPELINES; do
            n=$WARMUP_N
            [[ $pipeline == 1 ]] && n=$((WARMUP_N / 10))
            run_once "$target" "$pipeline" "$n" "$OUT_DIR/warmup-$target-P$pipeline.log" >/dev/null
        done
    done
fi

for round in $(seq "$ROUNDS"); do
    for pipeline in $PIPELINES; do
        n=$(requests_for "$pipeline")
        for target in $TARGETS; do
            out=$(run_once "$target" "$pipeline" "$n" "$OUT_DIR/round$round-P$pipeline-$target.log")
            read -r rps cpu <<<"$out"
            printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$pipeline" "$target" "$rps" "$cpu" >>"$RESULTS"
            echo "stream-bench: round $round P$pipeline $target: $rps req/s, $cpu us CPU/req" >&2
        done
    done
done

# ------------------------------------------------------------------ the table

{
    echo "StreamLoad: $CONNECTIONS connections, $SIZE-byte requests, $N_P16 (P16) / $N_P1 (P1) requests per run," \
        "$ROUNDS rounds; servers on CPU $SERVER_CPU, client on CPU $CLIENT_CPU; $(date -u +%Y-%m-%dT%H:%MZ)," \
        "$(nproc) CPUs, $(uname -r), $(java -version 2>&1 | head -1)"
    echo
    python3 - "$RESULTS" "$TARGETS" "$ECHO_REF" "$LINE_REF" "$PIPELINES" <<'EOF'
import collections, statistics, sys
path, targets, echo_ref, line_ref, pipelines = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4], sys.argv[5].split()
rows = [line.rstrip("\n").split("\t") for line in open(path)][1:]
value = {}  # (round, P, target) -> (rps, cpu)
for rnd, p, t, rps, cpu in rows:
    value[(rnd, p, t)] = (float(rps), float(cpu))
rounds = sorted({r[0] for r in rows}, key=int)
print("Medians over rounds. 'x ref' is the median (min-max) of the per-round ratios to the reference of the same")
print(f"protocol: {echo_ref} for echo-*, {line_ref} for line-*; server CPU below 1.00x is cheaper than the reference.")
print()
print("| target | -P | req/s | req/s x ref | server CPU us/req | CPU x ref |")
print("|---|---:|---:|---:|---:|---:|")
def ratio(list_):
    if not list_:
        return "n/a"
    return f"{statistics.median(list_):.2f} ({min(list_):.2f}-{max(list_):.2f})"
for p in pipelines:
    for t in targets:
        mine = [value[(r, p, t)] for r in rounds if (r, p, t) in value]
        if not mine:
            continue
        ref = echo_ref if t.startswith("echo-") else line_ref
        rps_r, cpu_r = [], []
        for r in rounds:
            if (r, p, t) in value and (r, p, ref) in value:
                a, b = value[(r, p, t)], value[(r, p, ref)]
                if b[0] > 0:
                    rps_r.append(a[0] / b[0])
                if b[1] > 0:
                    cpu_r.append(a[1] / b[1])
        print(f"| {t} | {p} | {statistics.median(v[0] for v in mine):.0f} | {ratio(rps_r)} | "
              f"{statistics.median(v[1] for v in mine):.3f} | {ratio(cpu_r)} |")
EOF
} | tee "$OUT_DIR/results.md"
