#!/usr/bin/env bash
# Startup time of the sample app: plain JVM, Spring AOT, the JDK's AOT cache, and Spring AOT with the AOT cache.
#
#   ioloop-benchmarks/startup-bench.sh         # from the repository root, after `mvn -B -ntp -DskipTests package`
#
# The jar is extracted once (`java -Djarmode=tools -jar ... extract`, as Spring Boot asks for the AOT cache) and every
# variant runs that extracted jar on the same JDK (JAVA, default Temurin 25), with the same JVM_FLAGS:
#
#   jvm        java $JVM_FLAGS -jar application/sample-app.jar
#   aot        java $JVM_FLAGS -Dspring.aot.enabled=true -jar ...                  (the classes process-aot generated)
#   cache      java $JVM_FLAGS -XX:AOTMode=on -XX:AOTCache=jvm.aot -jar ...        (JDK 25, JEP 514/515)
#   aot+cache  java $JVM_FLAGS -XX:AOTMode=on -XX:AOTCache=aot.aot -Dspring.aot.enabled=true -jar ...
#
# Each cache comes from Spring Boot's training run (`-XX:AOTCacheOutput=<file> -Dspring.context.exit=onRefresh`, with
# -Dspring.aot.enabled=true for aot.aot). -XX:AOTMode=on makes the JVM fail rather than start without the cache.
# Then ROUNDS (default 9) rounds run every variant once, in an order that rotates from round to round, so a burst of
# load from another process on this shared machine falls on all variants alike. Each run measures, from the moment
# the process is spawned: Boot's "process running for" on its "Started SampleApplication" line (JVM start to ready),
# the wall time to the first RESP reply (a client connects every 5 ms and sends PING), and, once both are seen, the
# CPU time the process has used (user + system, all its threads: less disturbed than wall time by other processes
# on a shared machine) and its RSS; then the app gets SIGTERM. The table gives the median and the range of each.
# Each run gets a free port for RESP, and the actuator one of its own. WORK (default /tmp/startup-bench) holds the
# extracted jar, the caches and one log per run. VARIANTS picks some of the four.
set -euo pipefail
cd "$(dirname "$0")/.."

JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JVM_FLAGS=${JVM_FLAGS:--Xms512m -Xmx512m -XX:+UseSerialGC -XX:-UsePerfData}
ROUNDS=${ROUNDS:-9}
VARIANTS=${VARIANTS:-jvm aot cache aot+cache}
WORK=${WORK:-/tmp/startup-bench}
JAR=sample-app/target/sample-app.jar
APP_ARGS="--server.port=0 --spring.main.banner-mode=off"

die() { echo "startup-bench: $*" >&2; exit 1; }
[ -x "$JAVA" ] || die "no JDK at $JAVA (set JAVA to a JDK 25 java)"
[ -f "$JAR" ] || die "missing $JAR: run 'mvn -B -ntp -DskipTests package' first"
unzip -l "$JAR" | grep 'SampleApplication__ApplicationContextInitializer' >/dev/null \
  || die "$JAR has no Spring AOT classes: build it with the sample's pom (process-aot runs in package)"
command -v python3 >/dev/null || die "python3 not found (it runs the rounds and prints the table)"

rm -rf "$WORK/application" "$WORK/logs" "$WORK/jvm.aot" "$WORK/aot.aot" && mkdir -p "$WORK/logs"
"$JAVA" -Djarmode=tools -jar "$JAR" extract --destination "$WORK/application" >/dev/null
APP=$WORK/application/sample-app.jar

# The training runs: the context is refreshed, then the JVM exits and writes the cache.
train() { # cache-file, extra flags...
  local out=$1; shift
  # shellcheck disable=SC2086
  "$JAVA" $JVM_FLAGS -XX:AOTCacheOutput="$out" -Dspring.context.exit=onRefresh "$@" -jar "$APP" \
    --sample.port=0 --server.port=0 --spring.main.banner-mode=off >"$WORK/logs/train-$(basename "$out").log" 2>&1 \
    || die "training run for $out failed: see $WORK/logs/train-$(basename "$out").log"
  [ -s "$out" ] || die "training run wrote no $out"
}
case " $VARIANTS " in *" cache "*) train "$WORK/jvm.aot";; esac
case " $VARIANTS " in *" aot+cache "*) train "$WORK/aot.aot" -Dspring.aot.enabled=true;; esac

echo "date:    $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) vCPU, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) (load before: $(cut -d' ' -f1-3 /proc/loadavg))"
echo "java:    $("$JAVA" -version 2>&1 | head -1)"
echo "flags:   $JVM_FLAGS"
echo "rounds:  $ROUNDS"

python3 - "$JAVA" "$APP" "$WORK" "$ROUNDS" "$JVM_FLAGS" "$APP_ARGS" $VARIANTS <<'EOF'
import os, re, signal, socket, statistics, subprocess, sys, threading, time

java, app, work, rounds, jvm_flags, app_args = sys.argv[1:7]
rounds = int(rounds)
variants = sys.argv[7:]
extra = {
    "jvm": [],
    "aot": ["-Dspring.aot.enabled=true"],
    "cache": ["-XX:AOTMode=on", f"-XX:AOTCache={work}/jvm.aot"],
    "aot+cache": ["-XX:AOTMode=on", f"-XX:AOTCache={work}/aot.aot", "-Dspring.aot.enabled=true"],
}
STARTED = re.compile(r"Started SampleApplication in ([\d.]+) seconds \(process running for ([\d.]+)\)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_reply(port, deadline):
    """Connects every 5 ms until the server answers PING; returns the monotonic time of the reply."""
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
                s.sendall(b"PING\r\n")
                if s.recv(7) == b"+PONG\r\n":
                    return time.monotonic()
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError("no PONG")


def run(variant, n):
    log_path = f"{work}/logs/{variant}-{n}.log"
    port = free_port()
    command = [java, *jvm_flags.split(), *extra[variant], "-jar", app, f"--sample.port={port}", *app_args.split()]
    with open(log_path, "w") as log:
        t0 = time.monotonic()
        p = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started = {}

        def pump():
            for line in p.stdout:
                log.write(line)
                m = STARTED.search(line)
                if m:
                    started["uptime"] = float(m.group(2))
                    started["event"].set()

        started["event"] = threading.Event()
        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            reply = first_reply(port, t0 + 120)
            if not started["event"].wait(120):
                raise RuntimeError("no Started line")
            with open(f"/proc/{p.pid}/status") as status:
                rss = next(int(l.split()[1]) for l in status if l.startswith("VmRSS")) / 1024
            with open(f"/proc/{p.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
                cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            reader.join(10)
    return started["uptime"], (reply - t0) * 1000, cpu, rss


results = {v: [] for v in variants}
for r in range(rounds):
    order = variants[r % len(variants):] + variants[:r % len(variants)]
    for v in order:
        results[v].append(run(v, r))
    print(f"round {r + 1}/{rounds}: " + ", ".join(
        f"{v} {results[v][-1][0]:.2f}s/{results[v][-1][1]:.0f}ms" for v in variants), file=sys.stderr, flush=True)


def cell(values, fmt):
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


print(f"load after: {' '.join(open('/proc/loadavg').read().split()[:3])}")
print()
print("| variant | ready (process running for), s | first RESP reply, ms | CPU to ready, s | RSS at ready, MB |")
print("|---|---|---|---|---|")
for v in variants:
    up, reply, cpu, rss = zip(*results[v])
    print(f"| {v} | {cell(up, '{:.2f}')} | {cell(reply, '{:.0f}')} | {cell(cpu, '{:.2f}')} | {cell(rss, '{:.0f}')} |")
EOF
