"""deploy/: dashboards are valid Grafana JSON, every PromQL expression names only metrics folio exports,
the Prometheus rules pass promtool (syntax and unit tests), and the Dockerfile runs folio as non-root."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from folio.observability.metrics import Metrics

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
RULES = DEPLOY / "prometheus" / "folio-rules.yml"
DASHBOARDS = ("folio-executive.json", "folio-oncall.json", "folio-debug.json")

# Series Prometheus itself writes for every target and for alerts.
PROMETHEUS_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_series_added",
                     "scrape_samples_post_metric_relabeling", "ALERTS", "ALERTS_FOR_STATE"}


# -- a PromQL metric-name extractor ---------------------------------------------------------------------

STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
NAME_MATCHER = re.compile(r'__name__\s*=\s*("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')')
GRAFANA_VAR = re.compile(r"\$\{[^}]*\}|\$\w+|\[\[\w+\]\]")
LABEL_LIST = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", re.IGNORECASE)
TOKEN = re.compile(
    r"(?P<number>0x[0-9a-fA-F]+|(?:\d+(?:ms|[smhdwy]))+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)(?P<call>\s*\()?"
)
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool",
            "inf", "nan", "atan2"}


def metric_names(expr: str) -> set[str]:
    """The metric (or recording rule) names a PromQL expression reads; Grafana variables are allowed in it."""
    names = {json.loads(m) if m.startswith('"') else m[1:-1] for m in NAME_MATCHER.findall(expr)}
    s = re.sub(r"#[^\n]*", " ", STRING.sub(" ", expr))  # strings first: they may hold '{', '#', '$'
    s = re.sub(r"\{[^{}]*\}", " ", s)  # label matchers
    s = re.sub(r"\[[^\[\]]*\]", " ", s)  # ranges and subqueries, [5m], [$__rate_interval], [7d:5m]
    s = GRAFANA_VAR.sub(" 1 ", s)  # e.g. topk($n, ...)
    s = LABEL_LIST.sub(" ", s)  # by (le, route), on (instance) group_left (kernel_name)
    for tok in TOKEN.finditer(s):
        ident = tok.group("ident")
        if ident and not tok.group("call") and ident.lower() not in KEYWORDS:
            names.add(ident)
    return names


def grafana_query_names(query: str) -> set[str]:
    """Names in a Grafana template-variable query (label_values(expr, label) or plain PromQL)."""
    q = query.strip()
    m = re.fullmatch(r"label_values\((.*),\s*\w+\s*\)", q, re.S)
    if m:
        return metric_names(m.group(1))
    if re.fullmatch(r"label_values\(\s*\w+\s*\)|label_names\(\)", q):
        return set()
    m = re.fullmatch(r"query_result\((.*)\)", q, re.S)
    return metric_names(m.group(1) if m else q)


def test_extractor_on_tricky_expressions() -> None:
    cases = {
        'sum by (kernel_name, reason) (rate(folio_a_total{reason="memory_limit", job=~"$job"}[5m] offset 1h))':
            {"folio_a_total"},
        "a / on (instance) group_left (kernel_name) b": {"a", "b"},
        'sum(x) without (le) > bool 0.5 unless y offset -1h30m @ start()': {"x", "y"},
        'label_replace(up, "dst", "$1 by (x) {z}", "instance", "(.*):.*")': {"up"},
        "max_over_time(sum(m_total)[7d:5m])": {"m_total"},
        '{__name__="folio_b", le="+Inf"} + Inf + NaN + 0x1f + 1e-3': {"folio_b"},
        "topk($topn, w) and ignoring(kernel_id) v": {"w", "v"},
        "60 * sum(rate(m:rule:rate5m[$__rate_interval])) # a comment naming not_a_metric": {"m:rule:rate5m"},
        "histogram_quantile(0.99, sum by(le) (rate(h_bucket[${__rate_interval}])))": {"h_bucket"},
        "count(count by (kernel_name) (g)) or vector(0)": {"g"},
    }
    for expr, expected in cases.items():
        assert metric_names(expr) == expected, expr
    assert grafana_query_names('label_values(folio_sessions_active{job=~"$job"}, instance)') == {
        "folio_sessions_active"}
    assert grafana_query_names("label_values(job)") == set()


# -- collecting every expression in deploy/ --------------------------------------------------------------


def walk_dashboard(dash: dict) -> Iterator[tuple[str, str]]:
    """(where, PromQL or variable query) for every query in a dashboard."""
    def panels(ps: list[dict]) -> Iterator[dict]:
        for p in ps:
            yield p
            yield from panels(p.get("panels", []))

    for p in panels(dash.get("panels", [])):
        for t in p.get("targets", []):
            if t.get("expr"):
                yield f"panel {p.get('title')!r} target {t.get('refId')}", t["expr"]
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
            yield f"variable {v['name']!r}", "label_values:" + q
    for a in dash.get("annotations", {}).get("list", []):
        if a.get("expr"):
            yield f"annotation {a.get('name')!r}", a["expr"]


def rule_exprs(rules_file: Path) -> Iterator[tuple[str, str, str | None]]:
    """(where, expr, recorded name or None) for every rule."""
    for group in yaml.safe_load(rules_file.read_text())["groups"]:
        for r in group["rules"]:
            yield f"{group['name']}/{r.get('record') or r.get('alert')}", r["expr"], r.get("record")


def exported_names() -> set[str]:
    """Sample names a Prometheus scraping folio stores: Metrics().names() less the bare family names of
    counters, histograms and infos (folio_x_total is stored; folio_x is not)."""
    m = Metrics()
    families = {d.name for c in m.registry._collector_to_names for d in c.describe()  # noqa: SLF001
                if d.type in ("counter", "histogram", "info", "summary")}
    return m.names() - families


def unknown_names(deploy: Path) -> dict[str, set[str]]:
    """Where each query in deploy/ names a series neither folio, its recording rules nor Prometheus provide."""
    rules = deploy / "prometheus" / "folio-rules.yml"
    recorded = {name for _, _, name in rule_exprs(rules) if name}
    known = exported_names() | recorded | PROMETHEUS_SERIES
    found: dict[str, set[str]] = {}
    queries = [(f"{rules.name}: {w}", e) for w, e, _ in rule_exprs(rules)]
    for path in sorted((deploy / "grafana").glob("*.json")):
        queries += [(f"{path.name}: {w}", e) for w, e in walk_dashboard(json.loads(path.read_text()))]
    for where, expr in queries:
        names = (grafana_query_names(expr.removeprefix("label_values:")) if expr.startswith("label_values:")
                 else metric_names(expr))
        if bad := names - known:
            found[where] = bad
    return found


def test_queries_name_only_metrics_folio_exports() -> None:
    assert unknown_names(DEPLOY) == {}


def test_the_name_check_catches_a_wrong_name(tmp_path: Path) -> None:
    scratch = tmp_path / "deploy"
    shutil.copytree(DEPLOY, scratch, ignore=shutil.ignore_patterns("__pycache__"))
    oncall = scratch / "grafana" / "folio-oncall.json"
    oncall.write_text(oncall.read_text().replace("folio_kernel_memory_bytes", "folio_kernel_mem_bytes"))
    rules = scratch / "prometheus" / "folio-rules.yml"
    text = rules.read_text()
    assert "folio:kernel_start_errors:ratio_rate6h > (6" in text
    text = text.replace("folio:kernel_start_errors:ratio_rate6h > (6", "folio:kernel_start_error:ratio_rate6h > (6")
    # a counter's family name without _total is not a series Prometheus stores
    text = text.replace("rate(folio_kernel_start_attempts_total[3d])", "rate(folio_kernel_start_attempts[3d])")
    rules.write_text(text)

    found = unknown_names(scratch)
    assert set().union(*found.values()) == {"folio_kernel_mem_bytes", "folio:kernel_start_error:ratio_rate6h",
                                            "folio_kernel_start_attempts"}
    assert any(w.startswith("folio-oncall.json: panel 'Top 10 kernels by memory'") for w in found)
    assert "folio-rules.yml: folio-alerts/FolioKernelAvailabilityFastBurn" in found


def test_rule_unit_tests_feed_series_folio_exports() -> None:
    """The promtool tests' input series are the ones a real scrape produces, with the labels folio sets."""
    tests = yaml.safe_load((DEPLOY / "prometheus" / "folio-rules.test.yml").read_text())["tests"]
    m = Metrics()
    labels = {d.name: set(getattr(c, "_labelnames", ())) for c in m.registry._collector_to_names  # noqa: SLF001
              for d in c.describe()}
    for t in tests:
        for series in t["input_series"]:
            name, _, rest = series["series"].partition("{")
            assert name in exported_names() | PROMETHEUS_SERIES, name
            given = set(re.findall(r"(\w+)=", rest)) - {"job", "instance", "le"}
            family = next((f for f in labels if name == f or name.startswith(f + "_")), None)
            if family:
                assert given == labels[family], (series["series"], sorted(labels[family]))


def test_every_exported_metric_family_is_on_some_dashboard() -> None:
    used: set[str] = set()
    for name in DASHBOARDS:
        for _, e in walk_dashboard(json.loads((DEPLOY / "grafana" / name).read_text())):
            used |= metric_names(e.removeprefix("label_values:"))
    for _, e, _ in rule_exprs(RULES):
        used |= metric_names(e)
    m = Metrics()
    families = {d.name for c in m.registry._collector_to_names for d in c.describe()}  # noqa: SLF001
    unused = {f for f in families if not any(u == f or u.startswith(f + "_") for u in used)}
    assert unused <= {"folio_build"}, f"metrics no dashboard or rule shows: {sorted(unused)}"


# -- dashboards -----------------------------------------------------------------------------------------


def load_builder():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("build_dashboards", DEPLOY / "grafana" / "build_dashboards.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_dashboard_json_matches_its_generator() -> None:
    for name, text in load_builder().render().items():
        assert (DEPLOY / "grafana" / name).read_text() == text, (
            f"{name} is stale: run python deploy/grafana/build_dashboards.py")


@pytest.mark.parametrize("name", DASHBOARDS)
def test_dashboard_is_importable_grafana_json(name: str) -> None:
    dash = json.loads((DEPLOY / "grafana" / name).read_text())
    assert dash["schemaVersion"] >= 36
    assert dash["uid"] and len(dash["uid"]) <= 40 and dash["title"].startswith("folio")
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    for v in variables.values():
        if v["type"] == "query":
            assert v["datasource"] == {"type": "prometheus", "uid": "${datasource}"}

    panels = dash["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    cells: set[tuple[int, int]] = set()
    for p in panels:
        g = p["gridPos"]
        assert g["x"] >= 0 and g["w"] > 0 and g["x"] + g["w"] <= 24 and g["h"] > 0, p["title"]
        mine = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
        assert not mine & cells, f"panel {p['title']!r} overlaps another"
        cells |= mine
        if p["type"] == "row":
            continue
        assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, p["title"]
        assert p["targets"], p["title"]
        for t in p["targets"]:
            assert t["datasource"] == p["datasource"] and t["expr"].strip() and t["refId"]
    for a in dash["annotations"]["list"]:
        if a.get("expr"):
            assert a["datasource"] == {"type": "prometheus", "uid": "${datasource}"}


def dashboard_text(name: str) -> str:
    return "\n".join(e for _, e in walk_dashboard(json.loads((DEPLOY / "grafana" / name).read_text())))


def test_dashboards_show_what_each_audience_needs() -> None:
    ex = dashboard_text("folio-executive.json")
    for window in ("30d", "7d", "1d"):
        assert f"folio_kernel_start_failures_total{{job=~\"$job\", instance=~\"$instance\"}}[{window}]" in ex
    for needed in ("folio_users_active", "folio_notebook_size_bytes", "folio_secrets_detected_total"):
        assert needed in ex

    oc = dashboard_text("folio-oncall.json")
    for needed in ("folio_kernel_restarts_total", "folio_kernel_terminations_total",
                   "folio_kernel_start_failures_total", "topk(10, folio_kernel_memory_bytes",
                   "topk(10, folio_kernel_cpu_percent", "folio_auth_failures_total", "folio_limit_refusals_total",
                   'status=~"5.."', "folio_websocket_connections"):
        assert needed in oc, needed

    dbg = json.loads((DEPLOY / "grafana" / "folio-debug.json").read_text())
    heat = [p for p in dbg["panels"] if p["type"] == "heatmap"]
    assert heat and "folio_cell_duration_seconds_bucket" in heat[0]["targets"][0]["expr"]
    assert heat[0]["targets"][0]["format"] == "heatmap"
    d = dashboard_text("folio-debug.json")
    for needed in ("histogram_quantile(0.5, sum by (le) (rate(folio_cell_duration_seconds_bucket",
                   "histogram_quantile(0.99, sum by (le) (rate(folio_cell_duration_seconds_bucket",
                   "folio_contents_save_seconds_bucket", "folio_contents_open_seconds_bucket",
                   "folio_kernel_cpu_percent", "folio_kernel_memory_bytes", "folio_cells_long_running_total",
                   "folio_pool_kernels_available", 'folio_pool_requests_total{job=~"$job", instance=~"$instance", '
                   'kernel_name=~"$kernel", result="hit"}', "sum by (le, method, route)"):
        assert needed in d, needed


# -- promtool -------------------------------------------------------------------------------------------


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is missing: apt-get install prometheus (scripts/test installs it)")
    return path


def run(*cmd: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=cwd)


def test_promtool_checks_the_rules() -> None:
    r = run(promtool(), "check", "rules", str(RULES))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout


def test_promtool_rule_unit_tests_pass() -> None:
    """Burn-rate alerts page when half the starts fail, ticket on a slow burn, reset after recovery."""
    r = run(promtool(), "test", "rules", "folio-rules.test.yml", cwd=DEPLOY / "prometheus")
    assert r.returncode == 0, r.stdout + r.stderr


def test_rule_windows_and_slo_thresholds() -> None:
    rules = {w.split("/", 1)[1]: e for w, e, _ in rule_exprs(RULES)}
    for window in ("5m", "30m", "1h", "2h", "6h", "1d", "3d"):
        assert f"folio:kernel_availability:ratio_rate{window}" in rules
        assert f"[{window}]" in rules[f"folio:kernel_start_errors:ratio_rate{window}"]
    fast, slow = rules["FolioKernelAvailabilityFastBurn"], rules["FolioKernelAvailabilitySlowBurn"]
    for long, short, burn in (("1h", "5m", "14.4"), ("6h", "30m", "6")):
        assert f"ratio_rate{long} > ({burn} * (1 - 0.995))" in fast
        assert f"ratio_rate{short} > ({burn} * (1 - 0.995))" in fast
    for long, short, burn in (("1d", "2h", "3"), ("3d", "6h", "1")):
        assert f"ratio_rate{long} > ({burn} * (1 - 0.995))" in slow
        assert f"ratio_rate{short} > ({burn} * (1 - 0.995))" in slow
    for alert in ("FolioSaveLatencyHigh", "FolioKernelKilledByMemoryLimit", "FolioTargetDown"):
        assert alert in rules


def test_dashboard_queries_parse_as_promql(tmp_path: Path) -> None:
    """Every dashboard query, with Grafana's variables filled in, is valid PromQL to Prometheus' own parser."""
    exprs: set[str] = set()
    for name in DASHBOARDS:
        for _, e in walk_dashboard(json.loads((DEPLOY / "grafana" / name).read_text())):
            if e.startswith("label_values:"):
                m = re.fullmatch(r"label_values\((.*),\s*\w+\s*\)", e.removeprefix("label_values:"), re.S)
                assert m, e
                e = m.group(1)
            exprs.add(fill_grafana_vars(e))
    rules = [{"record": f"dashboard:query_{i}:check", "expr": e} for i, e in enumerate(sorted(exprs))]
    f = tmp_path / "dashboard-queries.yml"
    f.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    r = run(promtool(), "check", "rules", str(f))
    assert r.returncode == 0, r.stdout + r.stderr


def fill_grafana_vars(expr: str) -> str:
    """Grafana's interval variables become a duration, the rest (all inside =~ matchers) a match-all regex."""
    expr = re.sub(r"\$\{?__(?:rate_interval|interval|range)\}?", "5m", expr)
    return re.sub(r"\$\{?\w+\}?", ".+", expr)


def test_example_prometheus_config_is_valid(tmp_path: Path) -> None:
    text = (DEPLOY / "prometheus" / "prometheus.example.yml").read_text()
    token = tmp_path / "token"
    token.write_text("t")
    text = text.replace("/etc/prometheus/folio-rules.yml", str(RULES))
    text = text.replace("/etc/prometheus/folio-metrics-token", str(token))
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text(text)
    r = run(promtool(), "check", "config", str(cfg))
    assert r.returncode == 0, r.stdout + r.stderr
    job = yaml.safe_load(text)["scrape_configs"][0]
    assert job["job_name"] == "folio" and job["authorization"]["type"] == "Bearer"


# -- Dockerfile -----------------------------------------------------------------------------------------


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    buf = ""
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("#") and not buf:
            continue
        if line.lstrip().startswith("#"):
            continue  # a comment inside a continued instruction
        buf += line.rstrip()
        if buf.endswith("\\"):
            buf = buf[:-1] + " "
            continue
        if buf.strip():
            word, _, rest = buf.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
        buf = ""
    return out


def command_words(args: str) -> list[str]:
    return json.loads(args) if args.startswith("[") else shlex.split(args)


def test_dockerfile_runs_folio_as_non_root_with_a_healthcheck() -> None:
    ins = dockerfile_instructions(DEPLOY / "Dockerfile")
    kinds = [k for k, _ in ins]
    froms = [a for k, a in ins if k == "FROM"]
    assert froms[-1].split()[0] == "python:3.11-slim"
    assert any(k == "RUN" and re.search(r"\bpip install \.(\s|$)", a) for k, a in ins)

    # the last USER comes after every RUN and is neither root nor uid 0
    users = [i for i, k in enumerate(kinds) if k == "USER"]
    assert users, "no USER instruction: the server would run as root"
    last_user = ins[users[-1]][1]
    assert last_user.split(":")[0] not in ("root", "0")
    assert max(i for i, k in enumerate(kinds) if k == "RUN") < users[-1]

    health = [a for k, a in ins if k == "HEALTHCHECK"]
    assert len(health) == 1 and "/api/health" in health[0] and "CMD" in health[0].split()
    assert any(k == "EXPOSE" and "8888" in a.split() for k, a in ins)

    entry = next((command_words(a) for k, a in reversed(ins) if k == "ENTRYPOINT"), [])
    cmd = next(command_words(a) for k, a in reversed(ins) if k == "CMD")
    argv = entry + cmd
    assert "folio" in argv and "serve" in argv and "--no-browser" in argv
    assert argv[argv.index("--ip") + 1] == "0.0.0.0"

    # what it copies exists (the build context is the repository root)
    for k, a in ins:
        if k == "COPY" and not a.startswith("--from"):
            for src in a.split()[:-1]:
                assert (REPO / src).exists(), f"COPY {src}: not in the repository"
