#!/usr/bin/env bash
# End-to-end RESP benchmark: redis-benchmark against the sample app, redis-server and the Netty reference
# server (epoll and NIO), in alternating rounds on one machine. See ioloop-benchmarks/README.md ("Method" and
# "Reference numbers") for how to read the table it prints.
#
# Usage: ioloop-benchmarks/resp-bench.sh            (from anywhere; the repository root is found from here)
# Environment (all optional):
#   ROUNDS=5                rounds; each runs every target with -P 16, then every target with -P 1
#   N_P16=2000000 N_P1=200000   requests per test (-n) for each pipelining; -t ping,set,get runs 4 tests
#   CLIENTS=50              redis-benchmark connections (-c)
#   PIPELINES="16 1"        the pipelinings measured each round (PIPELINES=1 for the -P 1 figures alone; the
#                           warm-up runs both)
#   TARGETS="sample-app redis netty-epoll netty-nio"   which servers, in this order within a round; also
#                           sample-base: the sample app from BASE_JAR (an older build), to compare two builds
#   BASE_JAR=FILE           the jar of the sample-base target (for example a copy of sample-app.jar kept aside)
#   SAMPLE_ARGS="..." BASE_ARGS="..."   more arguments for the sample-app and sample-base targets, for example
#                           SAMPLE_ARGS=--sample.loops=1 BASE_ARGS=--sample.loops=2 with BASE_JAR the same jar
#   SAMPLE_JVM_ARGS="..." BASE_JVM_ARGS="..."   more JVM options (before -jar) for sample-app and sample-base
#   BASE_PORT=6390          the servers listen on BASE_PORT, BASE_PORT+1, ... in TARGETS order
#   SERVER_CPU=0 CLIENT_CPU=1   taskset CPUs of the servers and of redis-benchmark
#   STEAL_LIMIT=2 STEAL_RETRIES=4   a run during which the hypervisor stole more than STEAL_LIMIT clock ticks
#                           (1/100 s each) from SERVER_CPU and CLIENT_CPU together (steal in /proc/stat) is
#                           measured again, up to STEAL_RETRIES times; the stolen runs' CSVs stay in OUT_DIR
#                           (*.stolen-N.csv) and runs.tsv gives each kept run's steal. STEAL_LIMIT=-1: never
#   WARMUP_N=500000         requests per test of the unrecorded -P 16 warm-up run per target (JIT), followed by
#                           a -P 1 warm-up run of N_P1 requests per test (the JIT compiles the one-request path
#                           again when it first meets it); 0 for no warm-up
#   SKIP_BUILD=1            use the jars already built
#   OUT_DIR=DIR             where logs, raw CSVs and results.md go (default: a new temporary directory)
#   TLS=1                   every server on a TLS port (sample-app: sample.tls.port with a PEM SSL bundle; redis:
#                           --tls-port) and redis-benchmark --tls, with one self-signed certificate made by openssl in
#                           OUT_DIR; prints the negotiated protocol and cipher of each. Targets: sample-app,
#                           sample-base, redis
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${ROUNDS:-5}"
N_P16="${N_P16:-2000000}"
N_P1="${N_P1:-200000}"
CLIENTS="${CLIENTS:-50}"
PIPELINES="${PIPELINES:-16 1}"
TARGETS="${TARGETS:-sample-app redis netty-epoll netty-nio}"
BASE_PORT="${BASE_PORT:-6390}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
WARMUP_N="${WARMUP_N:-500000}"
STEAL_LIMIT="${STEAL_LIMIT:-2}"
STEAL_RETRIES="${STEAL_RETRIES:-4}"
SKIP_BUILD="${SKIP_BUILD:-0}"
OUT_DIR="${OUT_DIR:-$(mktemp -d /tmp/resp-bench.XXXXXX)}"
TLS="${TLS:-0}"
read -r -a SAMPLE_EXTRA <<<"${SAMPLE_ARGS:-}"
read -r -a BASE_EXTRA <<<"${BASE_ARGS:-}"
read -r -a SAMPLE_JVM_EXTRA <<<"${SAMPLE_JVM_ARGS:-}"
read -r -a BASE_JVM_EXTRA <<<"${BASE_JVM_ARGS:-}"
JVM_FLAGS=(-Xms512m -Xmx512m -XX:+UseSerialGC -XX:-UsePerfData)   # the README's flags for the sample; why each is there: README.md, "Run the sample"
mkdir -p "$OUT_DIR"
SAMPLE_JAR="$ROOT/sample-app/target/sample-app.jar"
BENCH_JAR="$ROOT/ioloop-benchmarks/target/benchmarks.jar"

declare -A PORT PID
STARTED=()

die() {
    echo "resp-bench: $*" >&2
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

# ------------------------------------------------------------------ tools and jars

if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null \
        || ! command -v redis-cli >/dev/null; then
    echo "resp-bench: installing redis-server and redis-tools with apt-get" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server redis-tools
fi
command -v taskset >/dev/null || die "taskset not found (Debian package util-linux)"

for pipeline in $PIPELINES; do
    [[ $pipeline == 16 || $pipeline == 1 ]] || die "PIPELINES takes 16 and 1, not '$pipeline'"
done
TLS_ARGS=()
if [[ "$TLS" == 1 ]]; then
    command -v openssl >/dev/null || die "TLS=1 needs openssl (Debian package openssl)"
    for target in $TARGETS; do
        [[ $target == sample-app || $target == sample-base || $target == redis ]] \
            || die "TLS=1 runs sample-app, sample-base and redis only, not $target"
    done
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$OUT_DIR/key.pem" -out "$OUT_DIR/cert.pem" \
        2>/dev/null || die "openssl could not make the certificate"
    TLS_ARGS=(--tls --cacert "$OUT_DIR/cert.pem")
fi

wants() {
    [[ " $TARGETS " == *" $1 "* ]]
}

if [[ "$SKIP_BUILD" != 1 ]]; then
    (cd "$ROOT" && mvn -B -ntp -DskipTests package)
    if [[ ! -f "$BENCH_JAR" ]]; then
        # A build with the root pom left no benchmarks jar: build the module on its own, against the installed core.
        (cd "$ROOT" && mvn -B -ntp -DskipTests -f ioloop-benchmarks/pom.xml package) \
            || die "could not build ioloop-benchmarks (does ~/.m2 have ioloop-core? run 'mvn install' at the root)"
    fi
fi
if wants netty-epoll || wants netty-nio; then
    [[ -f "$BENCH_JAR" ]] || die "$BENCH_JAR not found: build ioloop-benchmarks (mvn -B -ntp -DskipTests package)"
fi
if wants sample-base && [[ ! -f "${BASE_JAR:-}" ]]; then
    die "the sample-base target needs BASE_JAR=<an older sample-app.jar>"
fi
if wants sample-app && [[ ! -f "$SAMPLE_JAR" ]]; then
    die "$SAMPLE_JAR not found: build the sample app first (mvn -B -ntp -DskipTests package at the root), \
or leave it out: TARGETS='redis netty-epoll netty-nio' $0"
fi

# ------------------------------------------------------------------ servers

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A sample jar on $port (its TLS port with TLS=1), with the JVM options in the array named $4 and more arguments
# after the port.
start_sample() {
    local jar=$1 port=$2 log=$3
    local -n jvm_extra=$4
    shift 4
    if [[ "$TLS" == 1 ]]; then
        taskset -c "$SERVER_CPU" java "${JVM_FLAGS[@]}" "${jvm_extra[@]}" -jar "$jar" --sample.port=0 \
            --sample.tls.port="$port" --server.port=0 \
            --spring.ssl.bundle.pem.sample.keystore.certificate="file:$OUT_DIR/cert.pem" \
            --spring.ssl.bundle.pem.sample.keystore.private-key="file:$OUT_DIR/key.pem" "$@" >"$log" 2>&1 &
    else
        taskset -c "$SERVER_CPU" java "${JVM_FLAGS[@]}" "${jvm_extra[@]}" -jar "$jar" \
            --sample.port="$port" --server.port=0 "$@" >"$log" 2>&1 &
    fi
}

start_server() {
    local target=$1 port=$2 log="$OUT_DIR/$1.log"
    port_in_use "$port" && die "port $port (for $target) is already in use: set BASE_PORT"
    case "$target" in
        sample-app) start_sample "$SAMPLE_JAR" "$port" "$log" SAMPLE_JVM_EXTRA "${SAMPLE_EXTRA[@]}" ;;
        sample-base) start_sample "$BASE_JAR" "$port" "$log" BASE_JVM_EXTRA "${BASE_EXTRA[@]}" ;;
        redis)
            if [[ "$TLS" == 1 ]]; then
                taskset -c "$SERVER_CPU" redis-server --save '' --appendonly no --bind 127.0.0.1 --port 0 \
                    --tls-port "$port" --tls-cert-file "$OUT_DIR/cert.pem" --tls-key-file "$OUT_DIR/key.pem" \
                    --tls-ca-cert-file "$OUT_DIR/cert.pem" --tls-auth-clients no >"$log" 2>&1 &
            else
                taskset -c "$SERVER_CPU" redis-server --save '' --appendonly no --bind 127.0.0.1 --port "$port" \
                    >"$log" 2>&1 &
            fi
            ;;
        netty-epoll | netty-nio)
            taskset -c "$SERVER_CPU" java "${JVM_FLAGS[@]}" -cp "$BENCH_JAR" dev.ioloop.bench.NettyRespServer \
                --port "$port" --transport "${target#netty-}" >"$log" 2>&1 &
            ;;
        *) die "unknown target '$target' (use sample-app, sample-base, redis, netty-epoll, netty-nio)" ;;
    esac
    # taskset execs the server, so $! is the server's own PID (the one /proc/<pid>/stat is read for).
    PID[$target]=$!
    STARTED+=("$!")
    PORT[$target]=$port
}

wait_ready() {
    local target=$1
    for _ in $(seq 600); do
        if [[ "$(redis-cli "${TLS_ARGS[@]}" -p "${PORT[$target]}" ping 2>/dev/null)" == PONG ]]; then
            return 0
        fi
        kill -0 "${PID[$target]}" 2>/dev/null || { tail -20 "$OUT_DIR/$target.log" >&2; die "$target exited"; }
        sleep 0.1
    done
    tail -20 "$OUT_DIR/$target.log" >&2
    die "$target did not answer PING on port ${PORT[$target]} within 60 s"
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

# Clock ticks the hypervisor has stolen from SERVER_CPU and CLIENT_CPU since boot (the 8th value of their lines
# in /proc/stat; 0 on a machine that is not virtualised).
steal_ticks() {
    awk -v a="cpu$SERVER_CPU" -v b="cpu$CLIENT_CPU" '$1 == a || $1 == b { t += $9 } END { print t + 0 }' /proc/stat
}

# ------------------------------------------------------------------ measuring

CLK_TCK=$(getconf CLK_TCK)
RESULTS="$OUT_DIR/runs.tsv"
printf 'round\tP\ttarget\trps\tp50_ms\tp99_ms\tcpu_us_per_req\tsteal_ticks\tattempts\n' >"$RESULTS"

# One redis-benchmark run, measured again while the hypervisor steals more than STEAL_LIMIT ticks during it (up to
# STEAL_RETRIES times); prints "rps p50 p99 cpu_us_per_req steal_ticks attempts". rps is requests over the time of
# all four tests; p50 and p99 are the means over the four tests.
run_once() {
    local target=$1 pipeline=$2 n=$3 csv=$4 before after stolen attempt=1
    while true; do
        stolen=$(steal_ticks)
        before=$(cpu_ticks "${PID[$target]}")
        taskset -c "$CLIENT_CPU" redis-benchmark "${TLS_ARGS[@]}" -h 127.0.0.1 -p "${PORT[$target]}" \
            -t ping,set,get -c "$CLIENTS" -n "$n" -P "$pipeline" --csv >"$csv" 2>&1
        after=$(cpu_ticks "${PID[$target]}")
        stolen=$(($(steal_ticks) - stolen))
        if [[ "$STEAL_LIMIT" -lt 0 || "$stolen" -le "$STEAL_LIMIT" || "$attempt" -gt "$STEAL_RETRIES" ]]; then
            break
        fi
        echo "resp-bench: $target -P $pipeline: the hypervisor stole $stolen ticks from CPUs $SERVER_CPU and" \
            "$CLIENT_CPU during the run (limit $STEAL_LIMIT): measuring it again" >&2
        mv "$csv" "${csv%.csv}.stolen-$attempt.csv"
        attempt=$((attempt + 1))
    done
    awk -F'","' -v n="$n" -v ticks=$((after - before)) -v hz="$CLK_TCK" -v stolen="$stolen" -v attempt="$attempt" '
        /^"(PING_INLINE|PING_MBULK|SET|GET)"/ {
            gsub(/"/, "", $0); split($0, f, ",")
            tests++; seconds += n / f[2]; p50 += f[5]; p99 += f[7]
        }
        END {
            if (tests != 4) { exit 1 }
            printf "%.0f %.3f %.3f %.3f %d %d\n", 4 * n / seconds, p50 / 4, p99 / 4, ticks / hz * 1e6 / (4 * n),
                stolen, attempt
        }' "$csv" || die "unexpected redis-benchmark output for $target (see $csv)"
}

echo "resp-bench: logs and raw results in $OUT_DIR" >&2
i=0
for target in $TARGETS; do
    start_server "$target" $((BASE_PORT + i))
    i=$((i + 1))
done
for target in $TARGETS; do
    wait_ready "$target"
done
if [[ "$TLS" == 1 ]]; then
    for target in $TARGETS; do
        negotiated=$(openssl s_client -connect "127.0.0.1:${PORT[$target]}" -CAfile "$OUT_DIR/cert.pem" </dev/null \
            2>/dev/null | grep -m1 -E '^New, ')
        echo "resp-bench: $target TLS: ${negotiated:-unknown}" >&2
        if [[ $target == sample-* ]]; then
            # Which engine serves the port (the starter names the JCA provider: SunJSSE, Conscrypt): a jar built
            # against an older starter silently ignores ioloop.stream.tls-provider.
            listening=$(grep -m1 -o "listening on .*(TLS.*)" "$OUT_DIR/$target.log" || true)
            [[ -n "$listening" ]] || listening="did not log its TLS provider (a jar made before the starter logged it)"
            echo "resp-bench: $target $listening" >&2
        fi
    done
fi

if [[ "$WARMUP_N" -gt 0 ]]; then
    for target in $TARGETS; do
        echo "resp-bench: warming up $target" >&2
        STEAL_LIMIT=-1 run_once "$target" 16 "$WARMUP_N" "$OUT_DIR/warmup-$target.csv" >/dev/null
        STEAL_LIMIT=-1 run_once "$target" 1 "$N_P1" "$OUT_DIR/warmup-$target-p1.csv" >/dev/null
    done
fi

for round in $(seq "$ROUNDS"); do
    for pipeline in $PIPELINES; do
        n=$N_P16
        [[ $pipeline == 1 ]] && n=$N_P1
        for target in $TARGETS; do
            read -r rps p50 p99 cpu stolen attempts < <(run_once "$target" "$pipeline" "$n" \
                "$OUT_DIR/round$round-P$pipeline-$target.csv")
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$pipeline" "$target" "$rps" "$p50" "$p99" \
                "$cpu" "$stolen" "$attempts" >>"$RESULTS"
            echo "resp-bench: round $round P$pipeline $target: $rps req/s, p50 $p50 ms, p99 $p99 ms," \
                "$cpu us CPU/req (steal $stolen ticks, attempt $attempts)" >&2
        done
    done
done

# ------------------------------------------------------------------ the table

{
    echo "redis-benchmark -t ping,set,get -c $CLIENTS, -n $N_P16 (P16) / $N_P1 (P1) per test, $ROUNDS rounds;" \
        "servers on CPU $SERVER_CPU, client on CPU $CLIENT_CPU; $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs," \
        "$(uname -r), redis $(redis-server --version | sed -n "s/.*v=\([^ ]*\).*/\1/p")"
    echo
    echo "Medians over rounds; 'x redis' is the median of the per-round ratios to redis-server."
    echo "p50/p99 are the means over the four tests of a run (redis-benchmark's own percentiles)."
    awk -F'\t' -v limit="$STEAL_LIMIT" '
        NR > 1 { runs++; again += $9 - 1; if (limit >= 0 && $8 > limit) { over++ } }
        END {
            printf "Steal: %d runs were measured again because the hypervisor took more than %d clock ticks", again, limit
            printf " from the two CPUs during them; %d of the %d runs kept are over that limit.\n", over, runs
        }' "$RESULTS"
    echo
    awk -F'\t' -v targets="$TARGETS" -v limit="$STEAL_LIMIT" '
        function median(list,    a, n, i, j, t) {
            n = split(list, a, " ")
            if (n == 0) { return "" }
            for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) { a[j + 1] = a[j] } a[j + 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        function ratio(list) { return list == "" ? "n/a" : sprintf("%.2f", median(list)) }
        NR > 1 {
            key = $2 SUBSEP $3
            rps[key] = rps[key] " " $4; p50[key] = p50[key] " " $5; p99[key] = p99[key] " " $6
            cpu[key] = cpu[key] " " $7
            value[$1, $2, $3, "rps"] = $4; value[$1, $2, $3, "p50"] = $5
            value[$1, $2, $3, "p99"] = $6; value[$1, $2, $3, "cpu"] = $7
            value[$1, $2, $3, "clean"] = limit < 0 || $8 <= limit
            rounds[$1] = 1
        }
        END {
            print "| server | -P | req/s | x redis | p50 ms | x redis | p99 ms | x redis | server CPU us/req | x redis |"
            print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
            nt = split(targets, t, " ")
            for (pi = 1; pi <= 2; pi++) {
                p = pi == 1 ? 16 : 1
                for (k = 1; k <= nt; k++) {
                    key = p SUBSEP t[k]
                    if (!(key in rps)) { continue }
                    split("rps p50 p99 cpu", m, " ")
                    for (mi = 1; mi <= 4; mi++) {
                        r[m[mi]] = ""
                        for (round in rounds) {
                            b = value[round, p, "redis", m[mi]]
                            if (b != "" && b + 0 > 0) { r[m[mi]] = r[m[mi]] " " value[round, p, t[k], m[mi]] / b }
                        }
                    }
                    if (p == 1) {
                        lat = sprintf("%.3f | %s | %.3f | %s", median(p50[key]), ratio(r["p50"]),
                            median(p99[key]), ratio(r["p99"]))
                    } else {
                        lat = "- | - | - | -"
                    }
                    printf "| %s | %d | %.0f | %s | %s | %.3f | %s |\n", t[k], p, median(rps[key]), ratio(r["rps"]),
                        lat, median(cpu[key]), ratio(r["cpu"])
                }
            }
            # The -P 1 p99 again over the rounds in which neither this target nor redis-server was robbed.
            line = ""
            for (k = 1; k <= nt; k++) {
                if (t[k] == "redis" || !((1 SUBSEP t[k]) in rps)) { continue }
                clean = ""; n = 0
                for (round in rounds) {
                    b = value[round, 1, "redis", "p99"]
                    if (value[round, 1, t[k], "clean"] && value[round, 1, "redis", "clean"] && b + 0 > 0) {
                        clean = clean " " value[round, 1, t[k], "p99"] / b; n++
                    }
                }
                line = line sprintf("%s %s %s (%d rounds)", line == "" ? "" : ",", t[k], ratio(clean), n)
            }
            if (line != "") {
                print ""
                print "-P 1 p99 x redis over the rounds where both runs are within the steal limit:" line
            }
        }' "$RESULTS"
} | tee "$OUT_DIR/results.md"
