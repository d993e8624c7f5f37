"""deploy/prometheus against the real thing: a Prometheus server scrapes a real ``folio serve`` with the
metrics token, evaluates folio-rules.yml, and answers the kernel-availability SLI through its HTTP API."""

from __future__ import annotations

import json
import math
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[3]
RULES = REPO / "deploy" / "prometheus" / "folio-rules.yml"
GRAFANA = REPO / "deploy" / "grafana"
METRICS_TOKEN = "scraper-secret"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def poll(what: str, predicate, timeout: float = 30.0, interval: float = 0.5):  # type: ignore[no-untyped-def]
    """Call ``predicate`` until it returns something truthy (returned); fail with ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"within {timeout}s: {what}")
        time.sleep(interval)


@dataclass
class Prometheus:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def query(self, expr: str) -> list[dict]:
        r = httpx.get(self.url + "/api/v1/query", params={"query": expr}, timeout=10)
        body = r.json()
        assert body["status"] == "success", f"{expr}: {body}"
        return body["data"]["result"]

    def scalar(self, expr: str) -> float | None:
        """The value of a one-sample result; None while there is none (or it is NaN, which polls must not take
        for an answer)."""
        result = self.query(expr)
        assert len(result) <= 1, result
        value = float(result[0]["value"][1]) if result else None
        return None if value is None or math.isnan(value) else value


@pytest.fixture
def prometheus_factory(tmp_path: Path) -> Iterator[object]:
    """Start a Prometheus (the Debian package's binary) on a free loopback port; stopped by pid at the end."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("the prometheus server is missing: apt-get install prometheus (scripts/test installs it)")
    started: list[Prometheus] = []

    def start(config: str) -> Prometheus:
        cfg = tmp_path / "prometheus.yml"
        cfg.write_text(config)
        port = free_port()
        log = tmp_path / "prometheus.log"
        proc = subprocess.Popen(
            [binary, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=log.open("wb"))
        p = Prometheus(proc, f"http://127.0.0.1:{port}", log)
        started.append(p)

        def ready() -> bool:
            assert proc.poll() is None, "prometheus exited:\n" + log.read_text()
            try:
                return httpx.get(p.url + "/-/ready", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        poll("Prometheus is ready", ready)
        return p

    yield start
    for p in started:
        if p.proc.poll() is None:
            p.proc.terminate()
            try:
                p.proc.wait(15)
            except subprocess.TimeoutExpired:
                p.proc.kill()
                p.proc.wait(5)


def scrape_config(folio_port: int, token_file: Path | None = None) -> str:
    """prometheus.example.yml's folio job, with test speeds: scrape and evaluate every second."""
    job: dict = {"job_name": "folio", "metrics_path": "/metrics",
                 "static_configs": [{"targets": [f"127.0.0.1:{folio_port}"]}]}
    if token_file is not None:
        job["authorization"] = {"type": "Bearer", "credentials_file": str(token_file)}
    return json.dumps({
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [job],
    })  # JSON is YAML


def dashboard_queries() -> set[str]:
    """Every panel query of the three dashboards, Grafana's variables filled in as Grafana would."""
    out = set()
    for path in GRAFANA.glob("*.json"):
        for p in json.loads(path.read_text())["panels"]:
            for t in p.get("targets", []):
                e = re.sub(r"\$\{?__(?:rate_interval|interval|range)\}?", "1m", t["expr"])
                out.add(re.sub(r"\$\{?\w+\}?", ".+", e))
    return out


def test_prometheus_scrapes_folio_and_computes_kernel_availability(  # type: ignore[no-untyped-def]
    server_factory, prometheus_factory, broken_kernelspec, tmp_path: Path
):
    folio = server_factory(env={"FOLIO_METRICS_TOKEN": METRICS_TOKEN})
    token_file = tmp_path / "metrics-token"
    token_file.write_text(METRICS_TOKEN)
    prom = prometheus_factory(scrape_config(folio.port, token_file))

    poll("Prometheus scrapes folio with the metrics token",
         lambda: prom.scalar('up{job="folio"}') == 1, timeout=30)

    with folio.client() as api:
        # rate() counts a counter's increase between samples, so the first start (which creates the
        # python3 series) is seen before the second one moves it.
        assert api.post("api/kernels", json={"name": "python3"}).status_code == 201
        poll("Prometheus has the first kernel start",
             lambda: (prom.scalar('sum(folio_kernel_start_attempts_total{kernel_name="python3"})') or 0) >= 1,
             timeout=60)
        seen = prom.scalar('sum(folio_kernel_start_attempts_total{kernel_name="python3"})')
        assert api.post("api/kernels", json={"name": "python3"}).status_code == 201
        poll("the second start is scraped",
             lambda: (prom.scalar('sum(folio_kernel_start_attempts_total{kernel_name="python3"})') or 0) > seen,
             timeout=60)

        # The recording rule: every start succeeded.
        assert poll("folio:kernel_availability:ratio_rate5m is recorded",
                    lambda: prom.scalar("folio:kernel_availability:ratio_rate5m") is not None, timeout=30)
        assert prom.scalar("folio:kernel_availability:ratio_rate5m") == 1.0
        assert prom.scalar("folio:kernel_start_errors:ratio_rate5m") == 0.0
        assert prom.query('ALERTS{alertname=~"FolioKernelAvailability.*"}') == []

        # A kernelspec whose program does not exist: two failed starts (the second moves the new series).
        assert api.post("api/kernels", json={"name": broken_kernelspec}).status_code == 501
        poll("the failure series is scraped",
             lambda: prom.scalar(f'folio_kernel_start_failures_total{{kernel_name="{broken_kernelspec}"}}'),
             timeout=30)
        assert api.post("api/kernels", json={"name": broken_kernelspec}).status_code == 501

        def dropped() -> float | None:
            a = prom.scalar("folio:kernel_availability:ratio_rate5m")
            return a if a is not None and a < 1 else None

        availability = poll("kernel availability drops below 1", dropped, timeout=30)
        assert 0 < availability < 1
        # Far above a 14.4x burn on both page windows: the page alert is pending (it fires after `for: 2m`).
        poll("the fast-burn page alert is pending",
             lambda: prom.query('ALERTS{alertname="FolioKernelAvailabilityFastBurn", severity="page"}'),
             timeout=30)

        # Every dashboard query runs on real data without a PromQL error (many-to-many matches and the like).
        errors = {}
        for expr in sorted(dashboard_queries()):
            body = httpx.get(prom.url + "/api/v1/query", params={"query": expr}, timeout=10).json()
            if body["status"] != "success":
                errors[expr] = body.get("error")
        assert not errors, errors
        # The resource sampler runs every few seconds: the top-consumers panels have data.
        poll("per-kernel memory is scraped", lambda: prom.query('topk(10, folio_kernel_memory_bytes{job="folio"})'),
             timeout=30)

    # The scrape really used the metrics token: without it folio refuses /metrics.
    assert httpx.get(folio.url + "metrics").status_code == 403
    assert httpx.get(folio.url + "metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).status_code == 200
    rules = httpx.get(prom.url + "/api/v1/rules", timeout=10).json()["data"]["groups"]
    unhealthy = [(g["name"], r["name"], r.get("lastError")) for g in rules for r in g["rules"]
                 if r.get("health") not in ("ok", "unknown")]
    assert not unhealthy, unhealthy


def test_prometheus_scrapes_the_local_metrics_port(server_factory, prometheus_factory):  # type: ignore[no-untyped-def]
    """The other documented way: metrics_port serves /metrics on 127.0.0.1 without credentials."""
    port = free_port()
    folio = server_factory(env={"FOLIO_METRICS_PORT": str(port)})
    prom = prometheus_factory(scrape_config(port))
    poll("Prometheus scrapes the metrics port", lambda: prom.scalar('up{job="folio"}') == 1, timeout=30)
    assert prom.query('folio_build_info{job="folio"}')
    with folio.client() as api:
        k = api.post("api/kernels", json={"name": "python3"}).json()
        poll("the running kernel is counted",
             lambda: (prom.scalar('sum(folio_kernels_active{job="folio"})') or 0) >= 1, timeout=30)
        api.delete(f"api/kernels/{k['id']}")
    poll("its end is counted by reason",
         lambda: prom.query('folio_kernel_terminations_total{job="folio", reason="user"}'), timeout=30)
