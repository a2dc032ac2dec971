#!/usr/bin/env bash
# Idle cost of the sample app vs redis-server: memory per idle connection, and CPU burnt while idle.
#
#   ioloop-benchmarks/idle-bench.sh            # from the repository root, after `mvn -B -ntp -DskipTests package`
#
# For each server (pinned to CPU 0): open CONNS (default 10,000) idle connections and report the RSS delta per
# connection (and, for the JVM, the heap used after a full GC per connection); then, holding IDLE_CONNS (default
# 1,000) connections and KEYS (default 100,000) keys with TTLs between 1,000 and 2,000 s, report the CPU time the
# server burns over IDLE_SECONDS (default 10), WINDOWS (default 1) times in a row after SETTLE_SECONDS (default 10)
# of settling. Stops every process it started. SAMPLE_JVM_FLAGS replaces the sample JVM's flags; SAMPLE_ARGS adds
# application arguments (e.g. --logging.level.root=WARN). MEMORY=0 skips the memory part;
# SERVERS="sample-app" (default "redis-server sample-app") measures only the sample. SAMPLE_PORT and REDIS_PORT
# (defaults 16380, 16379) choose the ports; SAMPLE_JAR another build of the sample.
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS=${CONNS:-10000}
IDLE_CONNS=${IDLE_CONNS:-1000}
KEYS=${KEYS:-100000}
IDLE_SECONDS=${IDLE_SECONDS:-10}
WINDOWS=${WINDOWS:-1}
SETTLE_SECONDS=${SETTLE_SECONDS:-10}
MEMORY=${MEMORY:-1}
SERVERS=${SERVERS:-redis-server sample-app}
# The README's flags for the sample plus its three diagnostic ones for the lowest idle CPU (README.md, "Run the
# sample", says why each is there).
SAMPLE_JVM_FLAGS=${SAMPLE_JVM_FLAGS:--Xms512m -Xmx512m -XX:+UseSerialGC -XX:-UsePerfData -XX:+UnlockDiagnosticVMOptions -XX:GuaranteedSafepointInterval=0 -XX:AsyncDeflationInterval=10000}
JAR=${SAMPLE_JAR:-sample-app/target/sample-app.jar}
SAMPLE_PORT=${SAMPLE_PORT:-16380}
REDIS_PORT=${REDIS_PORT:-16379}

[ -f "$JAR" ] || { echo "missing $JAR: run 'mvn -B -ntp -DskipTests package' first" >&2; exit 1; }
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  apt-get install -y -qq redis-server redis-tools >/dev/null
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true   # 10,000 connections need more than the usual 1,024 fds

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

has() { case " $SERVERS " in *" $1 "*) return 0;; *) return 1;; esac; }
redis_pid= sample_pid=
if has redis-server; then
  taskset -c 0 redis-server --save '' --appendonly no --bind 127.0.0.1 --port "$REDIS_PORT" --maxclients 15000 \
    >"/tmp/idle-bench-redis.$REDIS_PORT.log" 2>&1 &
  pids+=($!); redis_pid=$!
fi
if has sample-app; then
  taskset -c 0 java $SAMPLE_JVM_FLAGS -jar "$JAR" --sample.port="$SAMPLE_PORT" \
    --server.port=0 ${SAMPLE_ARGS:-} --spring.main.banner-mode=off >"/tmp/idle-bench-sample.$SAMPLE_PORT.log" 2>&1 &
  pids+=($!); sample_pid=$!
fi

wait_ping() { for _ in $(seq 1 300); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "no PING on $1" >&2; exit 1; }
if has redis-server; then wait_ping "$REDIS_PORT"; fi
if has sample-app; then wait_ping "$SAMPLE_PORT"; fi

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
heap_used_kb() { jcmd "$1" GC.run >/dev/null; jcmd "$1" GC.heap_info | awk '/used/ {for (i=1;i<=NF;i++) if ($i=="used") {gsub("K","",$(i+1)); s+=$(i+1)}} END {print s}'; }
tck=$(getconf CLK_TCK)

# Holds N idle connections to a port until its stdin closes; prints "ready" once all are open.
hold() {
  python3 -c '
import socket, sys
n, port = int(sys.argv[1]), int(sys.argv[2])
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"PING\r\n")
    socks.append(s)
for s in socks:
    assert s.recv(16) == b"+PONG\r\n"
print("ready", flush=True)
sys.stdin.read()
' "$1" "$2"
}

measure_memory() { # name port pid is_jvm
  local before after heap_before heap_after
  [ "$4" = yes ] && heap_before=$(heap_used_kb "$3")
  before=$(rss_kb "$3")
  coproc HOLDER { hold "$CONNS" "$2"; }
  read -r line <&"${HOLDER[0]}"
  after=$(rss_kb "$3")
  [ "$4" = yes ] && heap_after=$(heap_used_kb "$3")
  printf '| %s | %s | %.0f |' "$1" "$CONNS" "$(( (after - before) * 1024 / CONNS ))"
  if [ "$4" = yes ]; then printf ' %.0f |\n' "$(( (heap_after - heap_before) * 1024 / CONNS ))"; else printf ' n/a |\n'; fi
  exec {HOLDER[1]}>&-
  wait "$HOLDER_PID" 2>/dev/null || true
}

load_keys() { # port
  python3 -c '
import random, sys
n = int(sys.argv[1])
out = sys.stdout.buffer
for i in range(n):
    k = b"key:%d" % i
    ttl = b"%d" % random.randint(1000, 2000)
    out.write(b"*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n$2\r\nEX\r\n$%d\r\n%s\r\n" % (len(k), k, len(ttl), ttl))
' "$KEYS" | redis-cli -p "$1" --pipe >/dev/null
}

measure_idle_cpu() { # name port pid
  local w keys
  load_keys "$2"
  coproc HOLDER { hold "$IDLE_CONNS" "$2"; }
  read -r line <&"${HOLDER[0]}"
  keys=$(redis-cli -p "$2" dbsize) # before settling: a command inside the windows would wake the server
  sleep "$SETTLE_SECONDS" # let the work of loading (JIT compilation, GC) settle before the idle window
  for w in $(seq 1 "$WINDOWS"); do
    thread_ticks "$3" >"/tmp/idle-bench-threads0.$3"
    sleep "$IDLE_SECONDS"
    thread_ticks "$3" >"/tmp/idle-bench-threads1.$3"
    printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$IDLE_CONNS" "$keys" "$IDLE_SECONDS" \
      "$(join -t'|' -j 2 <(sort -t'|' -k2 "/tmp/idle-bench-threads0.$3") <(sort -t'|' -k2 "/tmp/idle-bench-threads1.$3") \
         | awk -F'|' '{d += $6 - $3} END {printf "%.1f", d / 1e6}')" "$(busy_threads "$3")"
  done
  exec {HOLDER[1]}>&-
  wait "$HOLDER_PID" 2>/dev/null || true
}

# "name|tid|nanoseconds on CPU|times scheduled in" for every thread of a process (schedstat: nanosecond precision, where
# utime/stime count 10 ms ticks), to say how much CPU the idle process burnt and which threads burnt it.
# Threads that start and end inside the window are not counted.
thread_ticks() {
  for t in /proc/"$1"/task/*; do
    printf '%s|%s|%s\n' "$(tr ' ' _ <"$t/comm")" "$(basename "$t")" "$(awk '{print $1 "|" $3}' "$t/schedstat")"
  done | sort
}

busy_threads() { # pid: the threads that used more than 0.1 ms in the window, busiest first
  join -t'|' -j 2 <(sort -t'|' -k2 "/tmp/idle-bench-threads0.$1") <(sort -t'|' -k2 "/tmp/idle-bench-threads1.$1") \
    | awk -F'|' '{d = $6 - $3; if (d > 100000) printf "%.1f|%s|%d\n", d / 1e6, $2, $7 - $4}' | sort -t'|' -k1,1nr \
    | awk -F'|' '{printf "%s%s %s/%d", (NR > 1 ? ", " : ""), $2, $1, $3} END {if (NR == 0) printf "none"}'
}

if [ "$MEMORY" != 0 ]; then
  echo "## Memory per idle connection ($(date -u +%F), $(nproc) CPUs)"
  echo
  echo "| server | connections | RSS bytes/conn | heap bytes/conn (after GC) |"
  echo "|---|---:|---:|---:|"
  if has redis-server; then measure_memory redis-server "$REDIS_PORT" "$redis_pid" no; fi
  if has sample-app; then measure_memory sample-app "$SAMPLE_PORT" "$sample_pid" yes; fi
  echo
fi
echo "## CPU while idle ($(date -u '+%F %H:%M') UTC, $(nproc) CPUs)"
echo
if has sample-app; then echo "sample-app: java $SAMPLE_JVM_FLAGS -jar $JAR ${SAMPLE_ARGS:-}"; echo; fi
echo "| server | idle connections | keys with TTL | seconds | CPU ms (all threads, schedstat) | threads over 0.1 ms (ms on CPU/times scheduled in) |"
echo "|---|---:|---:|---:|---:|---|"
if has redis-server; then measure_idle_cpu redis-server "$REDIS_PORT" "$redis_pid"; fi
if has sample-app; then measure_idle_cpu sample-app "$SAMPLE_PORT" "$sample_pid"; fi
