"""Draws panels of ioloop-grafana.json from a Prometheus server, the way Grafana would query them.

Every query of the dashboard (panels and variables) is first sent to Prometheus once, and the script fails on any
error, so it also checks the queries' PromQL against a real server. Then the chosen panels are drawn from
range queries over [start, end], with every variable at "All" and Grafana's $__rate_interval for the scrape
interval. This is a rendering of the dashboard's queries with matplotlib, not a Grafana screenshot.

    python3 render.py --prometheus http://127.0.0.1:19090 --start 1700000000 --end 1700000300 \
        --scrape-interval 1 --out ioloop-grafana.png
"""

import argparse
import io
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402
from PIL import Image  # noqa: E402

HERE = Path(__file__).resolve().parent

# The panels drawn, by title, in a grid of two columns.
PANELS = [
    "Latency percentiles",
    "Latency mean and max",
    "Utilization",
    "Iterations and events",
    "Handler calls",
    "Stream throughput",
]

# Grafana's dark theme and classic palette.
BACKGROUND, PANEL, TEXT, GRID = "#111217", "#181b1f", "#ccccdc", "#2c3235"
PALETTE = ["#73bf69", "#f2cc0c", "#8ab8ff", "#ff780a", "#f2495c", "#5794f2", "#b877d9", "#705da0", "#37872d"]


def get(base, path, params):
    url = base + path + "?" + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            body = json.load(response)
    except urllib.error.HTTPError as e:
        body = json.load(e)
    if body.get("status") != "success":
        raise SystemExit("Prometheus rejected %s: %s %s" % (params, body.get("errorType"), body.get("error")))
    return body["data"]


def panels(dashboard):
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def interpolate(expr, rate_interval, range_seconds):
    expr = expr.replace("$__rate_interval", "%ds" % rate_interval).replace("$__range", "%ds" % range_seconds)
    expr = re.sub(r"\$\{?(instance|loop|handler)\}?", ".*", expr)  # every variable at "All" (its allValue)
    if "$" in expr:
        raise SystemExit("a variable this script does not know: " + expr)
    return expr


def check_every_query(base, dashboard, end, rate_interval, range_seconds):
    for variable in dashboard["templating"]["list"]:
        if variable["type"] != "query":
            continue
        query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
        m = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", interpolate(query, rate_interval, range_seconds))
        series = get(base, "/api/v1/series", {"match[]": m.group(1), "start": end - range_seconds, "end": end})
        values = sorted({s[m.group(2)] for s in series if m.group(2) in s})
        print("$%s: %s" % (variable["name"], values))
        if not values:
            raise SystemExit("variable $%s has no values" % variable["name"])
    for panel in panels(dashboard):
        for target in panel["targets"]:
            data = get(base, "/api/v1/query", {"query": interpolate(target["expr"], rate_interval, range_seconds),
                                               "time": end})
            print("%-32s %s: %d series" % (panel["title"], target["refId"], len(data["result"])))


def legend(fmt, labels):
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), fmt).strip()


def seconds(value, _):
    if value == 0:
        return "0"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if abs(value) >= scale:
            return "%g %s" % (round(value / scale, 2), unit)
    return "%g ns" % round(value / 1e-9, 1)


def si(suffix):
    def fmt(value, _):
        for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
            if abs(value) >= scale:
                return "%g %s%s" % (round(value / scale, 1), unit, suffix)
        return "%g %s" % (round(value, 1), suffix) if suffix else "%g" % round(value, 1)
    return fmt


FORMATS = {
    "s": FuncFormatter(seconds),
    "percentunit": FuncFormatter(lambda v, _: "%g%%" % round(v * 100, 1)),
    "ops": FuncFormatter(si("/s")),
    "Bps": FuncFormatter(si("B/s")),
    "none": FuncFormatter(si("")),
}


def draw(base, dashboard, start, end, step, rate_interval, out, caption):
    chosen = {p["title"]: p for p in panels(dashboard) if p["type"] == "timeseries"}
    missing = [t for t in PANELS if t not in chosen]
    if missing:
        raise SystemExit("no such panels in the dashboard: %s" % missing)
    rows = (len(PANELS) + 1) // 2
    fig, axes = plt.subplots(rows, 2, figsize=(12, 2.7 * rows + 0.7), dpi=80, facecolor=BACKGROUND)
    for ax, title in zip(axes.flat, PANELS):
        panel = chosen[title]
        scale = panel["fieldConfig"]["defaults"].get("custom", {}).get("scaleDistribution", {})
        log = scale.get("type") == "log"
        ax.set_facecolor(PANEL)
        colour = 0
        for target in panel["targets"]:
            expr = interpolate(target["expr"], rate_interval, end - start)
            data = get(base, "/api/v1/query_range", {"query": expr, "start": start, "end": end, "step": step})
            for series in data["result"]:
                times = [datetime.fromtimestamp(float(t)) for t, _ in series["values"]]
                values = [float(v) for _, v in series["values"]]
                if log:
                    values = [v if v > 0 else float("nan") for v in values]  # as Grafana: no zeros on a log axis
                ax.plot(times, values, linewidth=1.2, color=PALETTE[colour % len(PALETTE)],
                        label=legend(target.get("legendFormat", ""), series["metric"]))
                colour += 1
        ax.set_title(title, color=TEXT, fontsize=11, loc="left")
        ax.yaxis.set_major_formatter(FORMATS.get(panel["fieldConfig"]["defaults"].get("unit"), FORMATS["none"]))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S"))
        if log:
            ax.set_yscale("log", base=scale.get("log", 10))
            ax.yaxis.set_major_formatter(FORMATS.get(panel["fieldConfig"]["defaults"].get("unit"), FORMATS["none"]))
            ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
        else:
            ax.set_ylim(bottom=0)
        ax.tick_params(colors=TEXT, labelsize=8)
        ax.grid(color=GRID, linewidth=0.6)
        for spine in ax.spines.values():
            spine.set_color(GRID)
        if colour:
            ax.legend(fontsize=7, loc="upper left", facecolor=PANEL, edgecolor=GRID, labelcolor=TEXT,
                      ncol=2 if colour > 3 else 1)
    for ax in list(axes.flat)[len(PANELS):]:
        ax.set_visible(False)
    fig.text(0.01, 0.005, caption, color=TEXT, fontsize=8, ha="left", va="bottom", wrap=True)
    fig.tight_layout(rect=(0, 0.045, 1, 1))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor=BACKGROUND)
    # A palette of 64 colours keeps the file small; the plot has few colours anyway.
    Image.open(buffer).convert("RGB").quantize(colors=64).save(out, optimize=True)
    print("wrote %s (%d bytes)" % (out, Path(out).stat().st_size))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prometheus", required=True, help="base URL of the Prometheus server")
    parser.add_argument("--start", type=int, required=True, help="start of the range, Unix seconds")
    parser.add_argument("--end", type=int, required=True, help="end of the range, Unix seconds")
    parser.add_argument("--scrape-interval", type=int, default=1, help="the server's scrape interval, seconds")
    parser.add_argument("--dashboard", default=str(HERE / "ioloop-grafana.json"))
    parser.add_argument("--out", default=str(HERE / "ioloop-grafana.png"))
    parser.add_argument("--caption", default="")
    args = parser.parse_args()
    dashboard = json.loads(Path(args.dashboard).read_text())
    step = max(1, (args.end - args.start) // 300)
    # Grafana's $__rate_interval: max($__interval + scrape interval, 4 * scrape interval).
    rate_interval = max(step + args.scrape_interval, 4 * args.scrape_interval)
    check_every_query(args.prometheus, dashboard, args.end, rate_interval, args.end - args.start)
    draw(args.prometheus, dashboard, args.start, args.end, step, rate_interval, args.out, args.caption)


if __name__ == "__main__":
    sys.exit(main())
