#!/usr/bin/env bash
# Per-thread CPU of the sample's loop threads under redis-benchmark load: which share of a request's CPU is on the
# owner loop (parse, execute, hand-offs) and which on the other loop (reads, writes, TLS).
# Usage: ioloop-benchmarks/thread-cpu.sh sample-app/target/sample-app.jar <loops> <tls 0|1> <pipeline P> <requests per test n>
# Needs redis-benchmark, redis-cli and (for TLS) openssl; the server listens on port 6690. One run, after one warm-up
# run of the same size; the loop threads are named ioloop (one loop) or ioloop-0, ioloop-1, ... (a group).
set -euo pipefail
JAR=$1 LOOPS=$2 TLS=$3 P=$4 N=$5
DIR=$(mktemp -d /tmp/thread-cpu.XXXXXX)
PORT=6690
ARGS=(--sample.port=$PORT --server.port=0 --sample.loops=$LOOPS)
CLI=()
if [[ $TLS == 1 ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$DIR/key.pem" -out "$DIR/cert.pem" 2>/dev/null
    ARGS=(--sample.port=0 --sample.tls.port=$PORT --server.port=0 --sample.loops=$LOOPS
        --spring.ssl.bundle.pem.sample.keystore.certificate=file:$DIR/cert.pem
        --spring.ssl.bundle.pem.sample.keystore.private-key=file:$DIR/key.pem)
    CLI=(--tls --cacert "$DIR/cert.pem")
fi
java -Xms512m -Xmx512m -XX:+UseSerialGC -XX:-UsePerfData -jar "$JAR" "${ARGS[@]}" > "$DIR/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT
for _ in $(seq 300); do [[ "$(redis-cli "${CLI[@]}" -p $PORT ping 2>/dev/null)" == PONG ]] && break; sleep 0.2; done
redis-benchmark "${CLI[@]}" -p $PORT -t ping,set,get -c 50 -P "$P" -n "$N" -q > /dev/null 2>&1   # warm-up
ticks() { # name -> utime+stime of the thread(s) whose name starts with it
    local total=0 t
    for t in /proc/$PID/task/*; do
        if [[ "$(cat "$t/comm")" == "$1"* ]]; then
            read -r -a f < <(sed 's/.*) //' "$t/stat")
            total=$((total + f[11] + f[12]))
        fi
    done
    echo $total
}
names=(ioloop-0 ioloop-1 ioloop)
[[ $LOOPS == 1 ]] && names=(ioloop)
declare -A before
for n in "${names[@]}"; do before[$n]=$(ticks "$n"); done
proc_before=$(awk '{print $14+$15}' /proc/$PID/stat)
redis-benchmark "${CLI[@]}" -p $PORT -t ping,set,get -c 50 -P "$P" -n "$N" --csv > "$DIR/bench.csv" 2>/dev/null
proc_after=$(awk '{print $14+$15}' /proc/$PID/stat)
HZ=$(getconf CLK_TCK)
REQ=$((3 * N))
echo "loops=$LOOPS tls=$TLS P=$P requests=$REQ rps=$(awk -F, 'NR>1 {gsub(/"/,"",$2); s+=$2; c++} END {printf "%.0f", s/c}' "$DIR/bench.csv")"
for n in "${names[@]}"; do
    a=$(ticks "$n")
    awk -v t=$((a - before[$n])) -v hz=$HZ -v r=$REQ -v n="$n" 'BEGIN {printf "  %-9s %.3f us CPU/request\n", n, t / hz * 1e6 / r}'
done
awk -v t=$((proc_after - proc_before)) -v hz=$HZ -v r=$REQ 'BEGIN {printf "  process   %.3f us CPU/request\n", t / hz * 1e6 / r}'
