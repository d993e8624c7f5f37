"""Every metric folio exports, defined once, on a registry of the app's own (tests build their own).

Labels are bounded: kernelspec name, outcome, reason, route template, status — never a file path or a
user-supplied string. The per-kernel gauges carry a kernel id only while that kernel lives.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

# Latency buckets for HTTP, saves and opens: fine below 100 ms where the targets are.
FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CELL = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
SIZE = tuple(float(2**k) for k in range(10, 31, 2))  # 1 KiB .. 1 GiB

TERMINATION_REASONS = ("crash", "signal", "memory_limit", "culled", "user")


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        r = self.registry = registry or CollectorRegistry()
        self.build_info = Info("folio_build", "folio version.", registry=r)
        # M1 kernel availability: failures / attempts
        self.kernel_start_attempts = Counter(
            "folio_kernel_start_attempts", "Kernel starts attempted, by kernelspec.", ["kernel_name"], registry=r)
        self.kernel_start_failures = Counter(
            "folio_kernel_start_failures", "Kernel starts that failed, by kernelspec.", ["kernel_name"], registry=r)
        self.kernel_start_seconds = Histogram(
            "folio_kernel_start_seconds", "Time from a start request to the kernel answering kernel_info.",
            ["kernel_name", "pooled"], buckets=FAST, registry=r)
        self.kernel_restarts = Counter(
            "folio_kernel_restarts", "Kernel restarts, by kernelspec and reason (user, after_death).",
            ["kernel_name", "reason"], registry=r)
        self.kernel_terminations = Counter(
            "folio_kernel_terminations",
            "Kernels that ended, by kernelspec and reason (crash, signal, memory_limit, culled, user).",
            ["kernel_name", "reason"], registry=r)
        self.kernels_active = Gauge(
            "folio_kernels_active", "Kernels running for users (pooled spares not counted).", ["kernel_name"],
            registry=r)
        self.sessions_active = Gauge("folio_sessions_active", "Sessions open.", registry=r)
        self.websocket_connections = Gauge(
            "folio_websocket_connections", "Kernel websocket connections open.", registry=r)
        self.users_active = Gauge("folio_users_active", "Users with at least one open connection.", registry=r)
        # M2 save/open latency
        self.contents_save_seconds = Histogram(
            "folio_contents_save_seconds", "Time to save a file or notebook.", ["type"], buckets=FAST, registry=r)
        self.contents_open_seconds = Histogram(
            "folio_contents_open_seconds", "Time to open a file or notebook.", ["type"], buckets=FAST, registry=r)
        self.notebook_cache_hits = Counter(
            "folio_notebook_cache_hits", "Notebook opens served from the cache of recently opened bodies.", registry=r)
        self.notebook_cache_bytes = Gauge(
            "folio_notebook_cache_bytes", "Bytes of notebook bodies held in that cache.", registry=r)
        self.contents_save_failures = Counter(
            "folio_contents_save_failures", "Saves refused or failed, by reason.", ["reason"], registry=r)
        # M3/M4 cells
        self.cell_executions = Counter(
            "folio_cell_executions", "Cells executed, by kernelspec and outcome (ok, error, aborted).",
            ["kernel_name", "outcome"], registry=r)
        self.cell_duration_seconds = Histogram(
            "folio_cell_duration_seconds", "Cell execution time, request to reply.", ["kernel_name"], buckets=CELL,
            registry=r)
        self.cells_long_running = Counter(
            "folio_cells_long_running", "Cells that ran longer than the long_running_cell_seconds setting.",
            ["kernel_name"], registry=r)
        # M5 per-kernel resources (kernel_id label only while the kernel lives)
        self.kernel_cpu_percent = Gauge(
            "folio_kernel_cpu_percent", "CPU use of a kernel's process tree, percent of one core.",
            ["kernel_id", "kernel_name"], registry=r)
        self.kernel_memory_bytes = Gauge(
            "folio_kernel_memory_bytes", "Resident memory of a kernel's process tree.", ["kernel_id", "kernel_name"],
            registry=r)
        # M6 secrets, M7 notebook sizes
        self.secrets_detected = Counter(
            "folio_secrets_detected", "Secrets found in notebooks at save time, by kind.", ["kind"], registry=r)
        self.notebook_size_bytes = Histogram(
            "folio_notebook_size_bytes", "Size of notebooks saved.", buckets=SIZE, registry=r)
        # HTTP
        self.http_requests = Counter(
            "folio_http_requests", "HTTP requests, by method, route template and status.",
            ["method", "route", "status"], registry=r)
        self.http_request_seconds = Histogram(
            "folio_http_request_duration_seconds", "HTTP request latency, by method and route template.",
            ["method", "route"], buckets=FAST, registry=r)
        self.auth_failures = Counter(
            "folio_auth_failures", "Requests refused for missing or bad credentials, by kind.", ["kind"], registry=r)
        # M9 limits
        self.limit_refusals = Counter(
            "folio_limit_refusals", "Requests refused by a quota or limit, by limit.", ["limit"], registry=r)
        # culler, pool
        self.kernels_culled = Counter("folio_kernels_culled", "Idle kernels shut down by the culler.",
                                      ["kernel_name"], registry=r)
        self.pool_available = Gauge("folio_pool_kernels_available", "Warm kernels waiting in the pool.",
                                    ["kernel_name"], registry=r)
        self.pool_requests = Counter("folio_pool_requests", "Kernel starts served by the pool (hit) or not (miss).",
                                     ["kernel_name", "result"], registry=r)
        self.outputs_truncated = Counter("folio_outputs_truncated", "Outputs cut to the output size limit.",
                                         registry=r)

    def names(self) -> set[str]:
        """Every sample name this registry can export (what dashboards and rules may query)."""
        out: set[str] = set()
        for metric in self.registry.collect():
            out.add(metric.name)
            for s in metric.samples:
                out.add(s.name)
        kinds = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created"),
                 "gauge": (), "info": ("_info",)}
        for collector in list(self.registry._collector_to_names):  # noqa: SLF001 - names of unlabelled children too
            for metric in collector.describe():
                out.add(metric.name)
                for suffix in kinds.get(metric.type, ()):
                    out.add(metric.name + suffix)
        return out
