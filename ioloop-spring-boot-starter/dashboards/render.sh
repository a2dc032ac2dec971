#!/usr/bin/env bash
# Draws ioloop-grafana.png, the picture in the starter's README: the sample app under redis-benchmark load, scraped
# every second by a real Prometheus server, and six panels of ioloop-grafana.json drawn by render.py from that server
# with the dashboard's own queries (every variable at "All"). It is a rendering of the dashboard's queries with
# matplotlib, not a Grafana screenshot. Before drawing, render.py sends every query of the dashboard to Prometheus
# and fails on any error, so a run also checks the dashboard's PromQL against a real server.
#
# Usage: ioloop-spring-boot-starter/dashboards/render.sh      (from anywhere; takes about 5 minutes)
# Needs (Debian packages): prometheus, redis-tools (redis-benchmark), openssl, python3-matplotlib; and Java 17+.
# Environment (all optional):
#   RESP_PORT=16380 TLS_PORT=16390 HTTP_PORT=18080 PROM_PORT=19090   loopback ports used
#   SKIP_BUILD=1        use sample-app/target/sample-app.jar as it is (otherwise it is built when missing)
#   PYTHON=/usr/bin/python3   a Python that has matplotlib (Debian's python3-matplotlib is for /usr/bin/python3)
#   OUT=FILE            where the PNG goes (default: ioloop-grafana.png beside this script)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RESP_PORT="${RESP_PORT:-16380}"
TLS_PORT="${TLS_PORT:-16390}"
HTTP_PORT="${HTTP_PORT:-18080}"
PROM_PORT="${PROM_PORT:-19090}"
PYTHON="${PYTHON:-/usr/bin/python3}"
OUT="${OUT:-$HERE/ioloop-grafana.png}"
JAR="$ROOT/sample-app/target/sample-app.jar"
WORK="$(mktemp -d /tmp/ioloop-render.XXXXXX)"
STARTED=()

die() {
    echo "render: $*" >&2
    exit 1
}

cleanup() {
    local pid
    for pid in "${STARTED[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# Waits until URL answers 200, at most 60 s.
await_url() {
    for _ in $(seq 600); do
        curl -fs -o /dev/null "$1" && return 0
        sleep 0.1
    done
    die "$1 did not answer within 60 s (logs in $WORK)"
}

for tool in prometheus redis-benchmark openssl curl java; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install prometheus redis-tools openssl curl)"
done
"$PYTHON" -c 'import matplotlib, PIL' 2>/dev/null || die "$PYTHON has no matplotlib (apt-get install python3-matplotlib)"
if [[ ! -f "$JAR" && "${SKIP_BUILD:-0}" != 1 ]]; then
    (cd "$ROOT" && mvn -B -ntp -q -DskipTests package -pl sample-app -am)
fi
[[ -f "$JAR" ]] || die "$JAR is missing"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null \
    || die "openssl could not make the certificate"

# The sample as the README runs it, plus its TLS port so that the StreamHandler meters (ioloop.streams.*) move too.
java -Xms512m -Xmx512m -XX:+UseSerialGC -jar "$JAR" --sample.port="$RESP_PORT" --sample.tls.port="$TLS_PORT" \
    --server.port="$HTTP_PORT" \
    --spring.ssl.bundle.pem.sample.keystore.certificate="file:$WORK/cert.pem" \
    --spring.ssl.bundle.pem.sample.keystore.private-key="file:$WORK/key.pem" >"$WORK/sample.log" 2>&1 &
STARTED+=($!)
await_url "http://127.0.0.1:$HTTP_PORT/actuator/prometheus"

cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: ioloop-sample
    metrics_path: /actuator/prometheus
    static_configs:
      - targets: ["127.0.0.1:$HTTP_PORT"]
EOF
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" >"$WORK/prometheus.log" 2>&1 &
STARTED+=($!)
await_url "http://127.0.0.1:$PROM_PORT/-/ready"

# A warm-up first, so that the picture shows the loop rather than the JIT compiling the server and TLS.
echo "render: warm-up"
redis-benchmark -h 127.0.0.1 -p "$RESP_PORT" -c 50 -n 200000 -t set,get -q >"$WORK/bench-warmup.log"
redis-benchmark -h 127.0.0.1 -p "$TLS_PORT" --tls --cacert "$WORK/cert.pem" -c 20 -n 50000 -t set,get -q \
    >>"$WORK/bench-warmup.log"
# ioloop.latency's max is the largest sample of the last two minutes (Micrometer's default expiry): wait that out,
# so that the max panel shows the phases below and not the warm-up.
sleep 125

# The load, in phases with idle gaps between them (each bounded by its request count).
START="$(date +%s)"
sleep 15
echo "render: 50 clients, SET and GET, no pipelining"
redis-benchmark -h 127.0.0.1 -p "$RESP_PORT" -c 50 -n 300000 -t set,get -q >"$WORK/bench-plain.log"
sleep 10
echo "render: 20 TLS clients, SET and GET"
redis-benchmark -h 127.0.0.1 -p "$TLS_PORT" --tls --cacert "$WORK/cert.pem" -c 20 -n 150000 -t set,get -q \
    >"$WORK/bench-tls.log"
sleep 10
echo "render: 50 clients, SET and GET, 16 pipelined"
redis-benchmark -h 127.0.0.1 -p "$RESP_PORT" -c 50 -n 2000000 -P 16 -t set,get -q >"$WORK/bench-pipelined.log"
sleep 15
END="$(date +%s)"

"$PYTHON" "$HERE/render.py" --prometheus "http://127.0.0.1:$PROM_PORT" --start "$START" --end "$END" \
    --scrape-interval 1 --out "$OUT" \
    --caption "sample-app under redis-benchmark on a 2-core machine, after a warm-up: idle; 50 clients SET/GET; \
20 TLS clients SET/GET; 50 clients pipelining 16; idle. Prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}') \
scraping every 1 s; the queries of ioloop-grafana.json, variables at All; drawn with matplotlib, not Grafana."
