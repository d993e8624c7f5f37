"""Write folio's Grafana dashboards (executive, on-call, debug) as JSON next to this file.

The JSON files are what Grafana imports; this script is their source, so that the three dashboards share
one layout, one datasource variable and one way of filtering by job and instance. Edit here, then run
``python deploy/grafana/build_dashboards.py`` (tests/unit/test_deploy_files.py fails when they drift).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 39  # Grafana 10.x
DS = {"type": "prometheus", "uid": "${datasource}"}
SLO = 0.995  # kernel availability target, as in deploy/prometheus/folio-rules.yml
F = 'job=~"$job", instance=~"$instance"'  # every raw-metric selector carries it
RATE = "$__rate_interval"
FIVEXX = 'status=~"5.."'
HIT = 'result="hit"'


def sel(metric: str, *matchers: str) -> str:
    """A selector of one folio metric, filtered by the dashboard's job and instance variables."""
    return metric + "{" + ", ".join((F, *matchers)) + "}"


def target(expr: str, legend: str = "", ref: str = "A", instant: bool = False, fmt: str | None = None) -> dict:
    t: dict[str, Any] = {"datasource": DS, "expr": expr, "legendFormat": legend or "__auto", "refId": ref,
                         "range": not instant, "instant": instant, "editorMode": "code"}
    if fmt:
        t["format"] = fmt
    return t


def targets(*exprs: tuple[str, str]) -> list[dict]:
    return [target(e, legend, ref=chr(ord("A") + i)) for i, (e, legend) in enumerate(exprs)]


def thresholds(*steps: tuple[str, float | None]) -> dict:
    return {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in steps]}


def timeseries(title: str, tgts: list[dict], unit: str = "short", desc: str = "", stack: bool = False,
               bars: bool = False, w: int = 12, h: int = 8, **defaults: Any) -> dict:
    custom = {"drawStyle": "bars" if bars else "line", "lineWidth": 1, "fillOpacity": 40 if bars else 10,
              "showPoints": "never", "spanNulls": False,
              "stacking": {"mode": "normal" if stack else "none", "group": "A"}}
    return {"type": "timeseries", "title": title, "description": desc, "datasource": DS, "targets": tgts,
            "fieldConfig": {"defaults": {"unit": unit, "custom": custom, **defaults}, "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                        "tooltip": {"mode": "multi", "sort": "desc"}},
            "_size": (w, h)}


def stat(title: str, expr: str, unit: str = "short", desc: str = "", steps: dict | None = None, w: int = 4,
         h: int = 5, decimals: int | None = None, legend: str = "") -> dict:
    defaults: dict[str, Any] = {"unit": unit, "thresholds": steps or thresholds(("green", None)),
                                "color": {"mode": "thresholds"}}
    if decimals is not None:
        defaults["decimals"] = decimals
    return {"type": "stat", "title": title, "description": desc, "datasource": DS,
            "targets": [target(expr, legend, instant=True)],
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "colorMode": "value", "graphMode": "area", "justifyMode": "auto", "orientation": "auto",
                        "textMode": "auto"},
            "_size": (w, h)}


def table(title: str, tgts: list[dict], desc: str = "", unit: str = "short", w: int = 12, h: int = 8) -> dict:
    return {"type": "table", "title": title, "description": desc, "datasource": DS, "targets": tgts,
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "options": {"showHeader": True, "sortBy": [{"displayName": "Value", "desc": True}]},
            "transformations": [{"id": "organize", "options": {"excludeByName": {"Time": True, "__name__": True}}}],
            "_size": (w, h)}


def heatmap(title: str, expr: str, desc: str = "", w: int = 12, h: int = 8) -> dict:
    return {"type": "heatmap", "title": title, "description": desc, "datasource": DS,
            "targets": [target(expr, "{{le}}", fmt="heatmap")],
            "fieldConfig": {"defaults": {"custom": {"scaleDistribution": {"type": "linear"}}}, "overrides": []},
            "options": {"calculate": False, "cellGap": 1, "color": {"mode": "scheme", "scheme": "Oranges",
                                                                    "steps": 64, "exponent": 0.5},
                        "yAxis": {"axisPlacement": "left", "unit": "s"}, "rowsFrame": {"layout": "auto"},
                        "tooltip": {"show": True, "yHistogram": True}, "legend": {"show": True},
                        "cellValues": {}, "exemplars": {"color": "rgba(255,0,255,0.7)"}},
            "_size": (w, h)}


def row(title: str) -> dict:
    return {"type": "row", "title": title, "collapsed": False, "panels": [], "_size": (24, 1)}


def quantile(q: float, metric: str, by: str = "", *matchers: str) -> str:
    labels = ", ".join(("le", *filter(None, [by])))
    return f"histogram_quantile({q}, sum by ({labels}) (rate({sel(metric + '_bucket', *matchers)}[{RATE}])))"


def per_minute(metric: str, by: str, *matchers: str) -> str:
    return f"60 * sum by ({by}) (rate({sel(metric, *matchers)}[{RATE}]))"


def availability(window: str) -> str:
    """1 - failures/attempts over a fixed window, straight from the counters (no recording rule that long)."""
    fail = f"sum(increase({sel('folio_kernel_start_failures_total')}[{window}]))"
    att = f"sum(increase({sel('folio_kernel_start_attempts_total')}[{window}]))"
    return f"1 - (({fail} or vector(0)) / ({att} > 0))"


AVAILABILITY_STEPS = thresholds(("red", None), ("orange", 0.99), ("green", SLO))


# -- the three dashboards --------------------------------------------------------------------------------


def executive() -> tuple[dict, list[dict]]:
    budget = (f"1 - ((sum(increase({sel('folio_kernel_start_failures_total')}[30d])) or vector(0))"
              f" / (sum(increase({sel('folio_kernel_start_attempts_total')}[30d])) > 0)) / (1 - {SLO})")
    panels = [
        row("Kernel availability (SLO: 99.5% of kernel starts succeed over 30 days)"),
        stat("Kernel availability, 30 days", availability("30d"), "percentunit", decimals=3,
             steps=AVAILABILITY_STEPS, desc="1 - failed / attempted kernel starts over the last 30 days."),
        stat("Kernel availability, 7 days", availability("7d"), "percentunit", decimals=3,
             steps=AVAILABILITY_STEPS),
        stat("Kernel availability, 1 day", availability("1d"), "percentunit", decimals=3,
             steps=AVAILABILITY_STEPS),
        stat("Error budget left, 30 days", budget, "percentunit", decimals=1,
             steps=thresholds(("red", None), ("orange", 0.25), ("green", 0.5)),
             desc="Share of the 30-day error budget (0.5% of starts) not yet spent. Below 0 the SLO is missed."),
        stat("Kernel starts, 30 days", f"sum(increase({sel('folio_kernel_start_attempts_total')}[30d]))",
             decimals=0),
        stat("Failed kernel starts, 30 days",
             f"sum(increase({sel('folio_kernel_start_failures_total')}[30d])) or vector(0)", decimals=0,
             steps=thresholds(("green", None), ("red", 1))),
        timeseries("Kernel availability (1 day and 1 hour windows)", targets(
            ("folio:kernel_availability:ratio_rate1d", "1 day"),
            ("folio:kernel_availability:ratio_rate1h", "1 hour")), "percentunit", w=24,
            desc="From the recording rules in folio-rules.yml (all folio targets together).", min=0.95, max=1),
        row("Usage"),
        stat("Active users", f"sum({sel('folio_users_active')})", w=6,
             desc="Users with at least one open connection."),
        stat("Active kernels", f"sum({sel('folio_kernels_active')})", w=6),
        stat("Peak users, 7 days", f"max_over_time(sum({sel('folio_users_active')})[7d:5m])", w=6),
        stat("Cells run, 7 days", f"sum(increase({sel('folio_cell_executions_total')}[7d]))", w=6,
             decimals=0),
        timeseries("Active users and kernels", targets(
            (f"sum({sel('folio_users_active')})", "users"),
            (f"sum({sel('folio_kernels_active')})", "kernels")), w=24),
        row("Storage"),
        timeseries("Notebook bytes saved per day",
                   targets((f"sum(increase({sel('folio_notebook_size_bytes_sum')}[1d]))", "bytes saved")),
                   "bytes", bars=True,
                   desc="Sum of the sizes of notebooks saved over the day before each point: how much the "
                        "notebooks people work on weigh, and its growth."),
        timeseries("Notebook size at save (median, p90, p99)", targets(
            (f"histogram_quantile(0.5, sum by (le) (increase({sel('folio_notebook_size_bytes_bucket')}[1d])))",
             "median"),
            (f"histogram_quantile(0.9, sum by (le) (increase({sel('folio_notebook_size_bytes_bucket')}[1d])))",
             "p90"),
            (f"histogram_quantile(0.99, sum by (le) (increase({sel('folio_notebook_size_bytes_bucket')}[1d])))",
             "p99")), "bytes"),
        timeseries("Notebook saves per day",
                   targets((f"sum(increase({sel('folio_notebook_size_bytes_count')}[1d]))", "saves")),
                   bars=True),
        timeseries("Average notebook size at save", targets((
            f"sum(rate({sel('folio_notebook_size_bytes_sum')}[1d]))"
            f" / sum(rate({sel('folio_notebook_size_bytes_count')}[1d]))",
            "mean")), "bytes"),
        row("Security"),
        stat("Secrets detected, 30 days", f"sum(increase({sel('folio_secrets_detected_total')}[30d])) or vector(0)",
             decimals=0, steps=thresholds(("green", None), ("red", 1)), w=6,
             desc="Secrets (keys, tokens, passwords) folio's scanner found in notebooks as they were saved."),
        timeseries("Secrets detected per day, by kind",
                   targets((f"sum by (kind) (increase({sel('folio_secrets_detected_total')}[1d]))", "{{kind}}")),
                   bars=True, stack=True, w=18),
    ]
    return {"uid": "folio-executive", "title": "folio / Executive", "time": {"from": "now-30d", "to": "now"},
            "refresh": "5m"}, panels


def oncall() -> tuple[dict, list[dict]]:
    panels = [
        row("Is folio up?"),
        stat("Targets up", f"sum(up{{{F}}})", decimals=0, w=4,
             steps=thresholds(("red", None), ("green", 1))),
        stat("Kernel availability, 1 hour", "folio:kernel_availability:ratio_rate1h", "percentunit",
             decimals=2, steps=AVAILABILITY_STEPS, w=4),
        stat("Error budget burn rate, 1 hour", f"folio:kernel_start_errors:ratio_rate1h / (1 - {SLO})",
             decimals=1, steps=thresholds(("green", None), ("orange", 1), ("red", 14.4)), w=4,
             desc="How many times faster than the SLO allows kernel starts fail. 14.4 over 1h pages."),
        stat("HTTP 5xx share, 5 minutes", "folio:http_requests_5xx:ratio_rate5m", "percentunit", decimals=2,
             steps=thresholds(("green", None), ("orange", 0.01), ("red", 0.05)), w=4),
        stat("Websocket connections", f"sum({sel('folio_websocket_connections')})", w=4),
        stat("Active kernels", f"sum({sel('folio_kernels_active')})", w=4),
        table("Firing folio alerts", [target('ALERTS{alertstate="firing", alertname=~"Folio.*"}', instant=True,
                                             fmt="table")], w=24, h=5),
        row("Kernels"),
        timeseries("Kernel start failures per minute, by kernelspec",
                   targets((per_minute("folio_kernel_start_failures_total", "kernel_name"), "{{kernel_name}}")),
                   bars=True, stack=True),
        timeseries("Error budget burn rate", targets(
            (f"folio:kernel_start_errors:ratio_rate5m / (1 - {SLO})", "5m"),
            (f"folio:kernel_start_errors:ratio_rate1h / (1 - {SLO})", "1h"),
            (f"folio:kernel_start_errors:ratio_rate6h / (1 - {SLO})", "6h")),
            desc="1 = spending the budget exactly over 30 days. Pages at 14.4 (1h and 5m) and 6 (6h and 30m)."),
        timeseries("Kernel restarts per minute, by reason",
                   targets((per_minute("folio_kernel_restarts_total", "kernel_name, reason"),
                            "{{kernel_name}} {{reason}}")), bars=True, stack=True),
        timeseries("Kernel terminations per minute, by reason",
                   targets((per_minute("folio_kernel_terminations_total", "kernel_name, reason"),
                            "{{kernel_name}} {{reason}}")), bars=True, stack=True,
                   desc="crash, signal, memory_limit, culled, user."),
        timeseries("Kernels killed by the memory limit per minute",
                   targets((per_minute("folio_kernel_terminations_total", "kernel_name", 'reason="memory_limit"'),
                            "{{kernel_name}}")), bars=True),
        timeseries("Active kernels by kernelspec",
                   targets((f"sum by (kernel_name) ({sel('folio_kernels_active')})", "{{kernel_name}}")),
                   stack=True),
        row("Top consumers"),
        timeseries("Top 10 kernels by memory", targets(
            (f"topk(10, {sel('folio_kernel_memory_bytes')})", "{{kernel_name}} {{kernel_id}}")), "bytes"),
        timeseries("Top 10 kernels by CPU", targets(
            (f"topk(10, {sel('folio_kernel_cpu_percent')})", "{{kernel_name}} {{kernel_id}}")), "percent",
            desc="Percent of one core, for the kernel's whole process tree."),
        table("Biggest kernels now (memory)", [target(f"topk(10, {sel('folio_kernel_memory_bytes')})",
                                                      instant=True, fmt="table")], unit="bytes"),
        table("Busiest kernels now (CPU %)", [target(f"topk(10, {sel('folio_kernel_cpu_percent')})",
                                                     instant=True, fmt="table")], unit="percent"),
        row("Requests"),
        timeseries("HTTP 5xx per second, by route", targets(
            (f"sum by (route, status) (rate({sel('folio_http_requests_total', FIVEXX)}[{RATE}]))",
             "{{route}} {{status}}")), "reqps"),
        timeseries("Auth failures per minute, by kind",
                   targets((per_minute("folio_auth_failures_total", "kind"), "{{kind}}")), bars=True, stack=True,
                   desc="Requests refused for missing or bad credentials. A spike is a misconfigured client, "
                        "an expired token, or someone guessing."),
        timeseries("Limit refusals per minute, by limit",
                   targets((per_minute("folio_limit_refusals_total", "limit"), "{{limit}}")), bars=True,
                   stack=True),
        timeseries("Websocket connections and sessions", targets(
            (f"sum({sel('folio_websocket_connections')})", "websocket connections"),
            (f"sum({sel('folio_sessions_active')})", "sessions"),
            (f"sum({sel('folio_users_active')})", "users"))),
    ]
    return {"uid": "folio-oncall", "title": "folio / On-call", "time": {"from": "now-6h", "to": "now"},
            "refresh": "30s",
            "annotations_extra": [{
                "name": "Folio alerts", "datasource": DS, "enable": True, "iconColor": "red",
                "expr": 'ALERTS{alertstate="firing", alertname=~"Folio.*"}', "step": "60s",
                "titleFormat": "{{alertname}}", "textFormat": "{{severity}}", "useValueForTime": False}]}, panels


def debug() -> tuple[dict, list[dict]]:
    k = 'kernel_name=~"$kernel"'
    panels = [
        row("Cells"),
        heatmap("Cell duration distribution",
                f"sum by (le) (increase({sel('folio_cell_duration_seconds_bucket', k)}[{RATE}]))",
                desc="Cells per duration bucket, request to reply."),
        timeseries("Cell duration p50 / p99", targets(
            (quantile(0.5, "folio_cell_duration_seconds", "", k), "p50"),
            (quantile(0.99, "folio_cell_duration_seconds", "", k), "p99")), "s"),
        timeseries("Cells per second, by outcome", targets(
            (f"sum by (outcome) (rate({sel('folio_cell_executions_total', k)}[{RATE}]))", "{{outcome}}")),
            "ops", stack=True),
        timeseries("Long-running cells per minute",
                   targets((per_minute("folio_cells_long_running_total", "kernel_name", k), "{{kernel_name}}")),
                   bars=True, desc="Cells that ran longer than the long_running_cell_seconds setting."),
        row("Contents"),
        timeseries("Save latency p50 / p99, by type", targets(
            (quantile(0.5, "folio_contents_save_seconds", "type"), "p50 {{type}}"),
            (quantile(0.99, "folio_contents_save_seconds", "type"), "p99 {{type}}")), "s",
            desc="The save-latency alert fires on p99 above 500 ms.",
            thresholds=thresholds(("green", None), ("red", 0.5)),
            custom_threshold=True),
        timeseries("Open latency p50 / p99, by type", targets(
            (quantile(0.5, "folio_contents_open_seconds", "type"), "p50 {{type}}"),
            (quantile(0.99, "folio_contents_open_seconds", "type"), "p99 {{type}}")), "s"),
        timeseries("Save failures per minute, by reason",
                   targets((per_minute("folio_contents_save_failures_total", "reason"), "{{reason}}")), bars=True),
        timeseries("Notebook opens per minute: all, and served from the body cache", targets(
            ("60 * sum(rate(" + sel("folio_contents_open_seconds_count", 'type="notebook"') + f"[{RATE}]))", "opens"),
            (f"60 * sum(rate({sel('folio_notebook_cache_hits_total')}[{RATE}]))", "from cache")), bars=True,
            desc="Reopened notebooks answered from memory (notebook_cache_size); the rest were read and parsed."),
        timeseries("Notebook body cache size", targets(
            (f"sum({sel('folio_notebook_cache_bytes')})", "bytes held")), "bytes",
            desc="Bodies of recently opened notebooks kept in memory, bounded by notebook_cache_size."),
        timeseries("Outputs truncated per minute", targets(
            (f"60 * sum(rate({sel('folio_outputs_truncated_total')}[{RATE}]))", "truncated")), bars=True),
        row("Kernels"),
        timeseries("CPU per kernel", targets(
            (sel("folio_kernel_cpu_percent", k), "{{kernel_name}} {{kernel_id}}")), "percent"),
        timeseries("Memory per kernel", targets(
            (sel("folio_kernel_memory_bytes", k), "{{kernel_name}} {{kernel_id}}")), "bytes"),
        timeseries("Kernel start time p50 / p99, pooled or not", targets(
            (quantile(0.5, "folio_kernel_start_seconds", "pooled", k), "p50 pooled={{pooled}}"),
            (quantile(0.99, "folio_kernel_start_seconds", "pooled", k), "p99 pooled={{pooled}}")), "s"),
        timeseries("Kernels culled per minute",
                   targets((per_minute("folio_kernels_culled_total", "kernel_name", k), "{{kernel_name}}")),
                   bars=True),
        row("Warm pool"),
        timeseries("Warm kernels available, by kernelspec",
                   targets((f"sum by (kernel_name) ({sel('folio_pool_kernels_available', k)})", "{{kernel_name}}"))),
        timeseries("Pool hit rate", targets((
            f"sum by (kernel_name) (rate({sel('folio_pool_requests_total', k, HIT)}[{RATE}]))"
            f" / sum by (kernel_name) (rate({sel('folio_pool_requests_total', k)}[{RATE}]))",
            "{{kernel_name}}")), "percentunit", min=0, max=1,
            desc="Share of kernel starts served by a warm kernel from the pool."),
        row("HTTP"),
        timeseries("HTTP latency p99, by route", targets(
            (quantile(0.99, "folio_http_request_duration_seconds", "method, route"), "{{method}} {{route}}")),
            "s", w=24),
        timeseries("HTTP latency p50, by route", targets(
            (quantile(0.5, "folio_http_request_duration_seconds", "method, route"), "{{method}} {{route}}")),
            "s"),
        timeseries("HTTP requests per second, by route and status", targets(
            (f"sum by (route, status) (rate({sel('folio_http_requests_total')}[{RATE}]))",
             "{{route}} {{status}}")), "reqps"),
    ]
    kernel_var = query_var("kernel", "Kernelspec", "label_values(folio_kernel_start_attempts_total, kernel_name)")
    return {"uid": "folio-debug", "title": "folio / Debug", "time": {"from": "now-3h", "to": "now"},
            "refresh": "30s", "variables_extra": [kernel_var]}, panels


# -- assembly -----------------------------------------------------------------------------------------


def query_var(name: str, label: str, query: str) -> dict:
    return {"name": name, "label": label, "type": "query", "datasource": DS,
            "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
            "definition": query, "refresh": 2, "includeAll": True, "multi": True, "allValue": ".+",
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "sort": 1, "hide": 0,
            "regex": "", "options": [], "skipUrlSync": False}


def layout(panels: list[dict]) -> list[dict]:
    """Give panels ids and grid positions, filling 24-column rows left to right."""
    out, x, y, row_h = [], 0, 0, 0
    for i, p in enumerate(panels, start=1):
        w, h = p.pop("_size")
        if p["type"] == "timeseries" and p["fieldConfig"]["defaults"].pop("custom_threshold", False):
            p["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"] = {"mode": "line"}
        if x + w > 24 or p["type"] == "row":
            x, y, row_h = 0, y + row_h, 0
        p["id"] = i
        p["gridPos"] = {"h": h, "w": w, "x": x, "y": y}
        x, row_h = x + w, max(row_h, h)
        if p["type"] == "row":
            x, y, row_h = 0, y + h, 0
        out.append(p)
    return out


def dashboard(meta: dict, panels: list[dict]) -> dict:
    variables = [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
         "current": {}, "hide": 0, "includeAll": False, "multi": False, "options": [], "refresh": 1, "regex": "",
         "skipUrlSync": False},
        query_var("job", "Job", "label_values(folio_sessions_active, job)"),
        query_var("instance", "Instance", 'label_values(folio_sessions_active{job=~"$job"}, instance)'),
        *meta.pop("variables_extra", []),
    ]
    annotations = [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
                    "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts",
                    "type": "dashboard"}, *meta.pop("annotations_extra", [])]
    return {
        "uid": meta["uid"], "title": meta["title"], "description": (__doc__ or "").splitlines()[0],
        "tags": ["folio"], "timezone": "browser", "editable": True, "graphTooltip": 1, "fiscalYearStartMonth": 0,
        "liveNow": False, "schemaVersion": SCHEMA_VERSION, "version": 1, "weekStart": "",
        "time": meta["time"], "refresh": meta["refresh"], "timepicker": {},
        "links": [{"title": "folio dashboards", "type": "dashboards", "tags": ["folio"], "asDropdown": True,
                   "includeVars": True, "keepTime": True, "icon": "external link", "targetBlank": False,
                   "tooltip": "", "url": ""}],
        "annotations": {"list": annotations},
        "templating": {"list": variables},
        "panels": layout(panels),
    }


DASHBOARDS = {"folio-executive.json": executive, "folio-oncall.json": oncall, "folio-debug.json": debug}


def render() -> dict[str, str]:
    """File name -> JSON text of every dashboard."""
    return {name: json.dumps(dashboard(*make()), indent=2) + "\n" for name, make in DASHBOARDS.items()}


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).parent
    for name, text in render().items():
        (out / name).write_text(text)
        print(f"wrote {out / name}")


if __name__ == "__main__":
    main(sys.argv)
