#!/usr/bin/env python
"""Side-by-side benchmark: ``folio serve`` vs ``jupyter_server``, both with default settings, on this machine.

Starts both servers on ephemeral 127.0.0.1 ports (temp roots, isolated JUPYTER_*_DIR and IPYTHONDIR),
runs the same client code against each, and where it makes sense against jupyter_client talking to
the kernel directly over ZMQ (the floor). Prints one table; ``--write`` updates bench/RESULTS.md.

    python bench/bench_server.py                   # everything (a few minutes)
    python bench/bench_server.py --only rtt,save   # a subset
    python bench/bench_server.py --write           # and record it in bench/RESULTS.md

Cases: start, rtt, flood, save, list, concurrent, rss. A case that fails against a target (a route
that is not there yet, a timeout, lost output) is shown as FAIL in the table; the run goes on.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import secrets
import shlex
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import psutil
from results_md import replace_section
from serverbench import rawhttp
from serverbench.runners import BenchError, DirectKernel, ServerKernel
from serverbench.servers import Server, isolated_env, start_folio, start_jupyter_server
from serverbench.workloads import (
    BIG_PRINT_CODE,
    BIG_PRINT_EXPECTED_BYTES,
    LINES_CODE,
    LINES_EXPECTED,
    make_folder,
    make_notebook,
    put_body,
)

# concurrent runs before the big-document cases so "RSS with 20 kernels" is not inflated by the heap
# the 50 MB bodies leave behind; "RSS at the end" shows that retention separately.
CASES = ["start", "rtt", "concurrent", "flood", "save", "list", "rss"]
JS, FOLIO, DIRECT = "jupyter_server", "folio", "direct"
MB = 1_000_000


# ----------------------------------------------------------------------------------------- results


@dataclass
class Fail:
    reason: str

    def __str__(self) -> str:
        return "FAIL"


@dataclass
class Row:
    """One line of the table: a metric, its value per target, and folio's target if it has one."""

    case: str
    label: str
    unit: str
    values: dict[str, float | Fail] = field(default_factory=dict)
    target: str = ""
    # judge(folio, jupyter_server, direct) -> True/False, or None when it cannot be judged
    judge: Callable[[float, float | None, float | None], bool | None] | None = None

    def verdict(self) -> str:
        if self.judge is None:
            return ""
        f = self.values.get(FOLIO)
        if f is None:
            return "not run"
        if isinstance(f, Fail):
            return "MISS (failed)"
        js = self.values.get(JS)
        d = self.values.get(DIRECT)
        try:
            ok = self.judge(f, None if isinstance(js, Fail) else js, None if isinstance(d, Fail) else d)
        except TypeError:
            return "n/a"
        if ok is None:
            return "n/a"
        return "meets" if ok else "MISS"


class Results:
    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.notes: list[str] = []
        self.raw: dict[str, dict[str, object]] = {}

    def row(self, key: str, case: str, label: str, unit: str, **kw: object) -> Row:
        if key not in self.rows:
            self.rows[key] = Row(case, label, unit, **kw)  # type: ignore[arg-type]
        return self.rows[key]

    def set(self, key: str, target: str, value: float | Fail) -> None:
        self.rows[key].values[target] = value

    def fail(self, keys: list[str], target: str, reason: str) -> None:
        for k in keys:
            if k in self.rows and target not in self.rows[k].values:
                self.rows[k].values[target] = Fail(reason)
        self.note(f"{target} failed {self.rows[keys[0]].case if keys and keys[0] in self.rows else ''}: {reason}")

    def note(self, text: str) -> None:
        print(f"  note: {text}", flush=True)
        self.notes.append(text)


async def raw(base: str, method: str, path: str, headers: dict[str, str], body: bytes = b"",
              params: dict[str, str] | None = None, ok: tuple[int, ...] = (200,)) -> rawhttp.Response:
    """One bare HTTP request off the event loop (see serverbench/rawhttp.py for why not httpx)."""
    r = await asyncio.to_thread(rawhttp.request, base, method, path, headers, body, params)
    if r.status not in ok:
        raise BenchError(f"{method} /{path} -> {r.status} {r.body[:200].decode(errors='replace')}")
    return r


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))
    return s[k]


def fmt(v: float | Fail | None, unit: str) -> str:
    if v is None:
        return "–"
    if isinstance(v, Fail):
        return "FAIL"
    if unit in ("ms",):
        return f"{v:.2f}" if v < 10 else f"{v:.0f}" if v >= 100 else f"{v:.1f}"
    if unit == "s":
        return f"{v:.2f}"
    if unit == "MB":
        return f"{v:.0f}" if v >= 100 else f"{v:.1f}"
    if unit == "%":
        return f"{v:.1f}"
    return f"{v:g}"


def ratio(a: float | Fail | None, b: float | Fail | None) -> str:
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def render_table(res: Results) -> str:
    head = ["case", "metric", "jupyter_server", "folio", "folio/js", "direct floor", "folio/floor", "target (folio)",
            "verdict"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for row in res.rows.values():
        f, js, d = row.values.get(FOLIO), row.values.get(JS), row.values.get(DIRECT)
        lines.append("| " + " | ".join([
            row.case, f"{row.label} ({row.unit})", fmt(js, row.unit), fmt(f, row.unit), ratio(f, js),
            fmt(d, row.unit), ratio(f, d), row.target, row.verdict(),
        ]) + " |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------- the run


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path):
        self.args = args
        self.work = work
        self.res = Results()
        self.servers: dict[str, Server] = {}
        self.not_started: dict[str, str] = {}
        self.http: dict[str, httpx.AsyncClient] = {}
        self.deadline = time.monotonic() + args.max_seconds
        self.direct_root = work / "direct" / "root"
        self.direct_root.mkdir(parents=True)
        self.direct_env = isolated_env(work / "direct" / "jupyter")

    # -- plumbing

    def targets(self) -> list[str]:
        return list(self.servers)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    async def guarded(self, keys: list[str], target: str, timeout: float, fn: Callable[[], Awaitable[None]]) -> bool:
        """Run one case against one target; any failure becomes FAIL in the table, never a crash."""
        budget = min(timeout, self.remaining())
        if budget < 5:
            self.res.fail(keys, target, "skipped: the run's time budget is used up")
            return False
        t0 = time.monotonic()
        try:
            await asyncio.wait_for(fn(), budget)
            return True
        except TimeoutError as e:
            took = time.monotonic() - t0
            if took < budget - 1:  # a step's own timeout, not the case's budget: say which step
                where = traceback.extract_tb(e.__traceback__)
                step = next((f"{f.name}:{f.lineno}" for f in reversed(where) if "serverbench" in f.filename
                             or f.filename.endswith("bench_server.py")), "?")
                self.res.fail(keys, target, f"a step timed out after {took:.0f} s (in {step})")
            else:
                self.res.fail(keys, target, f"timed out after {budget:.0f} s")
        except BenchError as e:
            self.res.fail(keys, target, str(e))
        except Exception as e:  # a broken server must not end the run
            if self.args.verbose:
                traceback.print_exc()
            self.res.fail(keys, target, f"{type(e).__name__}: {e}"[:300])
        return False

    async def start_servers(self) -> None:
        token = secrets.token_hex(16)
        starters = {JS: start_jupyter_server, FOLIO: start_folio}
        for name in self.args.servers:
            try:
                s = await asyncio.to_thread(starters[name], self.work / name, token)
            except Exception as e:
                self.res.note(" | ".join(str(e).splitlines())[:600])
                self.not_started[name] = f"{name} did not start"
                continue
            self.servers[name] = s
            # Plenty of connections so the 20-kernel case never waits on the pool.
            self.http[name] = httpx.AsyncClient(base_url=s.url, headers=s.headers, timeout=120,
                                                limits=httpx.Limits(max_connections=64))
            print(f"  {name}: {s.url} (pid {s.pid})", flush=True)

    async def stop_servers(self) -> None:
        for c in self.http.values():
            await c.aclose()
        for s in self.servers.values():
            await asyncio.to_thread(s.stop)

    def server_kernel(self, target: str) -> ServerKernel:
        return ServerKernel(self.servers[target], self.http[target])

    def kernel_for(self, target: str) -> ServerKernel | DirectKernel:
        if target == DIRECT:
            return DirectKernel(self.direct_root, self.direct_env)
        return self.server_kernel(target)

    # -- cases

    async def case_rss_idle(self) -> None:
        r = self.res.row("rss_idle", "rss", "server RSS, idle", "MB", target="≤ jupyter_server",
                         judge=lambda f, js, d: None if js is None else f <= js)
        await asyncio.sleep(1.0)
        for t in self.targets():
            try:
                # One request first so lazily built routes and caches are counted.
                await self.http[t].get("api/kernelspecs")
                r.values[t] = self.servers[t].rss_bytes() / MB
            except Exception as e:
                r.values[t] = Fail(str(e))

    async def case_start(self) -> None:
        # Each round starts two kernels back to back on a server. A server with a warm pool (folio keeps
        # one by default) serves the first from it; the second has to start one cold, which is what the
        # direct floor measures. Both are what users see, so both are reported.
        k1, k2 = "start", "start_cold"
        judge = (lambda f, js, d: None if d is None else f <= 1.1 * d)  # noqa: E731
        self.res.row(k1, "start", "kernel start → first kernel_info reply, median", "ms", target="≤ 1.1× direct",
                     judge=judge)
        self.res.row(k2, "start", "same, 2nd of two back-to-back starts (no warm kernel left)", "ms",
                     target="≤ 1.1× direct", judge=judge)
        order = [*self.targets(), DIRECT]
        samples: dict[str, list[float]] = {t: [] for t in order}
        cold: dict[str, list[float]] = {t: [] for t in order}
        failed: set[str] = set()
        for rep in range(self.args.reps):
            # Rotate who goes first so machine-wide drift does not favour one target.
            for t in order[rep % len(order):] + order[: rep % len(order)]:
                if t in failed:
                    continue
                ks = [self.kernel_for(t) for _ in range(1 if t == DIRECT else 2)]

                async def one(ks=ks, t=t) -> None:  # type: ignore[no-untyped-def]
                    first = await ks[0].start() * 1000
                    samples[t].append(first)
                    cold[t].append(await ks[1].start() * 1000 if len(ks) > 1 else first)

                try:
                    if not await self.guarded([k1, k2], t, 90, one):
                        failed.add(t)
                finally:
                    for k in ks:
                        await k.close()
                await asyncio.sleep(1.0)  # let shutdowns (and a pool refill) finish before the next target
        for t in order:
            if samples[t] and t not in failed:
                self.res.set(k1, t, statistics.median(samples[t]))
                self.res.set(k2, t, statistics.median(cold[t]))
        self.res.raw["start_ms"] = samples
        self.res.raw["start_cold_ms"] = cold

    async def case_rtt(self) -> None:
        k50, k99 = "rtt_p50", "rtt_p99"
        self.res.row(k50, "rtt", "exec `1+1` round trip p50", "ms", target="≤ 1.2× direct",
                     judge=lambda f, js, d: None if d is None else f <= 1.2 * d)
        self.res.row(k99, "rtt", "exec `1+1` round trip p99", "ms")
        kernels: dict[str, ServerKernel | DirectKernel] = {}
        try:
            for t in [*self.targets(), DIRECT]:
                k = self.kernel_for(t)

                async def setup(k=k, t=t) -> None:  # type: ignore[no-untyped-def]
                    await k.start()
                    for _ in range(20):  # warm-up: imports, caches, JIT-free but still
                        await k.run("1+1")
                    kernels[t] = k

                await self.guarded([k50, k99], t, 90, setup)
                if t not in kernels:
                    await k.close()
            # Interleave blocks of runs so background load on this shared machine hits every target alike.
            lat: dict[str, list[float]] = {t: [] for t in kernels}
            blocks = 4
            per = max(1, self.args.rtt_n // blocks)
            for _ in range(blocks):
                for t, k in list(kernels.items()):

                    async def block(k=k, t=t) -> None:  # type: ignore[no-untyped-def]
                        for _ in range(per):
                            t0 = time.perf_counter()
                            r = await k.run("1+1", timeout=30)
                            lat[t].append((time.perf_counter() - t0) * 1000)
                            if r.reply is None or r.reply.get("status") != "ok":
                                raise BenchError(f"execute_reply {r.reply}")

                    if not await self.guarded([k50, k99], t, 60, block):
                        await kernels.pop(t).close()
            for t in kernels:
                self.res.set(k50, t, pct(lat[t], 50))
                self.res.set(k99, t, pct(lat[t], 99))
            self.res.raw["rtt_ms"] = {t: {"n": len(v), "min": min(v), "mean": statistics.fmean(v)}
                                      for t, v in lat.items() if v}
        finally:
            for k in kernels.values():
                await k.close()

    async def case_flood(self) -> None:
        keys = ["lines_t", "lines_pct", "big_t", "big_pct"]
        self.res.row("lines_t", "flood", "200,000 printed lines: time to idle", "s")
        self.res.row("lines_pct", "flood", "200,000 printed lines: stdout delivered", "%", target="100 %",
                     judge=lambda f, js, d: f >= 100.0)
        self.res.row("big_t", "flood", "one 50 MB print: time to idle", "s")
        self.res.row("big_pct", "flood", "one 50 MB print: stdout delivered", "%", target="100 % (whole)",
                     judge=lambda f, js, d: f >= 100.0)
        for t in [*self.targets(), DIRECT]:
            k = self.kernel_for(t)

            async def flood(k=k, t=t) -> None:  # type: ignore[no-untyped-def]
                await k.start()
                await k.run("1+1")
                t0 = time.perf_counter()
                r = await k.run(LINES_CODE, timeout=150)
                self.res.set("lines_t", t, time.perf_counter() - t0)
                got = "".join(r.stdout)
                self.res.raw.setdefault("lines_stream_messages", {})[t] = len(r.stdout)
                self.res.set("lines_pct", t, 100.0 * len(got) / len(LINES_EXPECTED))
                if got != LINES_EXPECTED:
                    self.res.note(f"{t}: 200k lines: got {len(got):,} of {len(LINES_EXPECTED):,} bytes of stdout"
                                  f" ({len(r.stdout)} stream messages)"
                                  + (f"; stderr notice: {r.stderr.splitlines()[0]!r}" if r.stderr else "")
                                  + ("" if len(got) != len(LINES_EXPECTED) else "; same length, different text"))
                del got, r
                gc.collect()
                t0 = time.perf_counter()
                r = await k.run(BIG_PRINT_CODE, timeout=150)
                self.res.set("big_t", t, time.perf_counter() - t0)
                n = r.stdout_bytes
                xs = sum(c.count("x") for c in r.stdout)
                if n == BIG_PRINT_EXPECTED_BYTES and xs != BIG_PRINT_EXPECTED_BYTES - 1:
                    raise BenchError("50 MB print: right length, wrong text")
                self.res.set("big_pct", t, 100.0 * n / BIG_PRINT_EXPECTED_BYTES)
                if n != BIG_PRINT_EXPECTED_BYTES:
                    self.res.note(f"{t}: 50 MB print: got {n:,} of {BIG_PRINT_EXPECTED_BYTES:,} bytes of stdout"
                                  + (f"; stderr notice: {r.stderr.splitlines()[0]!r}" if r.stderr else ""))

            try:
                await self.guarded(keys, t, 240, flood)
            finally:
                await k.close()
                gc.collect()

    async def case_save(self) -> None:
        sizes = [10, 50]
        for mb in sizes:
            tgt = "< 500 ms" if mb == 50 else ""
            judge = (lambda f, js, d: f < 500) if mb == 50 else None
            self.res.row(f"save{mb}", "save", f"save (PUT) {mb} MB notebook, median", "ms", target=tgt, judge=judge)
            self.res.row(f"open{mb}", "save", f"open (GET type=notebook) {mb} MB notebook, median", "ms",
                         target=tgt, judge=judge)
        bodies = {}
        for mb in sizes:
            nb = await asyncio.to_thread(make_notebook, mb * MB, mb)
            bodies[mb] = (await asyncio.to_thread(put_body, nb), len(nb["cells"]))
            del nb
        self.res.raw["notebooks"] = {f"{mb}MB": {"put_body_bytes": len(b), "cells": n} for mb, (b, n) in bodies.items()}
        for mb in sizes:
            body, ncells = bodies[mb]
            for t in self.targets():
                srv = self.servers[t]
                path = f"api/contents/nb{mb}mb.ipynb"

                async def run(srv=srv, path=path, body=body, ncells=ncells, t=t, mb=mb) -> None:  # type: ignore[no-untyped-def]
                    hdr = {**srv.headers, "Content-Type": "application/json"}
                    # The first save creates the file (and jupyter_server's first checkpoint); not measured.
                    await raw(srv.url, "PUT", path, hdr, body, ok=(200, 201))
                    saves, opens = [], []
                    for _ in range(self.args.reps):
                        t0 = time.perf_counter()
                        await raw(srv.url, "PUT", path, hdr, body, ok=(200, 201))
                        saves.append((time.perf_counter() - t0) * 1000)
                        t0 = time.perf_counter()
                        r = await raw(srv.url, "GET", path, srv.headers, params={"content": "1", "type": "notebook"})
                        opens.append((time.perf_counter() - t0) * 1000)
                    model = await asyncio.to_thread(orjson.loads, r.body)
                    if len(model["content"]["cells"]) != ncells:
                        raise BenchError(f"opened notebook has {len(model['content']['cells'])} cells, saved {ncells}")
                    self.res.set(f"save{mb}", t, statistics.median(saves))
                    self.res.set(f"open{mb}", t, statistics.median(opens))
                    self.res.raw.setdefault("save_open_ms", {})[f"{t} {mb}MB"] = {"save": saves, "open": opens}

                await self.guarded([f"save{mb}", f"open{mb}"], t, 180, run)
                gc.collect()

    async def case_list(self) -> None:
        n = 5000
        self.res.row("list", "list", f"GET /api/contents/dir ({n:,} files), median", "ms", target="< 150 ms",
                     judge=lambda f, js, d: f < 150)
        for t in self.targets():
            srv = self.servers[t]
            await asyncio.to_thread(make_folder, srv.root / "dir5000", n)

            async def run(srv=srv, t=t) -> None:  # type: ignore[no-untyped-def]
                r = await raw(srv.url, "GET", "api/contents/dir5000", srv.headers)  # warms the OS caches
                entries = orjson.loads(r.body)["content"]
                if len(entries) != n:
                    raise BenchError(f"listing has {len(entries)} entries, expected {n}")
                times = []
                for _ in range(max(5, self.args.reps * 2)):
                    t0 = time.perf_counter()
                    await raw(srv.url, "GET", "api/contents/dir5000", srv.headers)
                    times.append((time.perf_counter() - t0) * 1000)
                self.res.set("list", t, statistics.median(times))
                self.res.raw.setdefault("list_ms", {})[t] = times

            await self.guarded(["list"], t, 120, run)

    async def start_for_setup(self, k: ServerKernel | DirectKernel, t: str) -> None:
        """Start a kernel whose start is not measured. A direct kernel that never answers is started
        again once: twenty jupyter_client launches at once on a busy machine now and then lose a
        port race (the kernel cannot bind the ports picked for it), which a server would report as a
        failed start, but the floor should not fail the case."""
        if not isinstance(k, DirectKernel):
            await k.start(timeout=150)
            return
        try:
            await k.start(timeout=60)
        except Exception as e:  # TimeoutError, or Empty from jupyter_client
            self.res.note(f"direct: a kernel did not answer ({type(e).__name__}); started it again")
            await k.close()
            await k.start(timeout=90)

    async def case_concurrent(self) -> None:
        nk, ncells = self.args.kernels, 50
        keys = ["conc_total", "conc_p50", "conc_p99", "conc_err", "rss_k"]
        self.res.row("conc_total", "concurrent", f"{nk} kernels × {ncells} cells at once: total", "s",
                     target="< 5 s", judge=lambda f, js, d: f < 5)
        self.res.row("conc_p50", "concurrent", "per-cell latency p50", "ms")
        self.res.row("conc_p99", "concurrent", "per-cell latency p99", "ms", target="< 100 ms",
                     judge=lambda f, js, d: f < 100)
        self.res.row("conc_err", "concurrent", "errors (failed or lost cells)", "n", target="0",
                     judge=lambda f, js, d: f == 0)
        self.res.row("rss_k", "rss", f"server RSS with {nk} kernels", "MB", target="≤ jupyter_server",
                     judge=lambda f, js, d: None if js is None else f <= js)
        targets = [*self.targets()] + ([DIRECT] if self.args.direct_concurrent else [])
        for t in targets:
            kernels = [self.kernel_for(t) for _ in range(nk)]

            async def run(kernels=kernels, t=t) -> None:  # type: ignore[no-untyped-def]
                # Setup (not timed): every kernel started and connected, one cell run.
                await asyncio.gather(*(self.start_for_setup(k, t) for k in kernels))
                # A fresh ipykernel's first cells are slow (lazy imports, history thread); that is the
                # start case's business, so warm every kernel and let the machine settle.
                for _ in range(3):
                    await asyncio.gather(*(k.run("0") for k in kernels))
                await asyncio.sleep(1.0)
                cpu0 = psutil.Process().cpu_times()
                lat: list[float] = []
                bad = 0  # cells that ran but did not reply ok

                async def cells(k: ServerKernel | DirectKernel, ki: int) -> None:
                    nonlocal bad
                    for j in range(ncells):
                        t0 = time.perf_counter()
                        try:
                            r = await k.run(f"x{j} = sum(range({ki * 100 + j})); x{j}", timeout=30)
                        except Exception as e:
                            # This kernel's remaining cells count as lost.
                            self.res.note(f"{t}: kernel {ki} cell {j}: {type(e).__name__}: {e}"[:200])
                            return
                        lat.append((time.perf_counter() - t0) * 1000)
                        if r.reply is None or r.reply.get("status") != "ok":
                            bad += 1

                t0 = time.perf_counter()
                await asyncio.gather(*(cells(k, i) for i, k in enumerate(kernels)))
                total = time.perf_counter() - t0
                cpu1 = psutil.Process().cpu_times()
                client_cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
                # If this approaches `total`, the measuring client (not the server) is the bottleneck.
                self.res.raw.setdefault("concurrent_client_cpu_s", {})[t] = {"client_cpu": client_cpu, "wall": total}
                self.res.note(f"{t}: concurrent cells took {total:.2f} s wall; the benchmark client used "
                              f"{client_cpu:.2f} s CPU meanwhile (of {2 * total:.1f} s available on 2 cores)"
                              if os.cpu_count() == 2 else
                              f"{t}: concurrent cells took {total:.2f} s wall; the benchmark client used "
                              f"{client_cpu:.2f} s CPU meanwhile")
                errors = bad + (nk * ncells - len(lat))
                self.res.set("conc_total", t, total)
                self.res.set("conc_p50", t, pct(lat, 50))
                self.res.set("conc_p99", t, pct(lat, 99))
                self.res.set("conc_err", t, errors)
                if t != DIRECT:
                    self.res.set("rss_k", t, self.servers[t].rss_bytes() / MB)

            try:
                await self.guarded(keys if t != DIRECT else keys[:4], t, 300, run)
            finally:
                await asyncio.gather(*(k.close() for k in kernels), return_exceptions=True)
                await asyncio.sleep(1.0)

    async def main(self) -> Results:
        cases = self.args.only
        print(f"starting {', '.join(self.args.servers)} ... ({load_now()})", flush=True)
        await self.start_servers()
        try:
            if "rss" in cases or "concurrent" in cases:
                await self.case_rss_idle()
            for name in CASES:
                if name in cases and name != "rss":
                    print(f"case {name} ...", flush=True)
                    t0 = time.monotonic()
                    await getattr(self, f"case_{name}")()
                    print(f"  ({time.monotonic() - t0:.0f} s)", flush=True)
            if "rss" in cases:
                r = self.res.row("rss_end", "rss", "server RSS at the end (after every case above)", "MB")
                for t in self.targets():
                    r.values[t] = self.servers[t].rss_bytes() / MB
        finally:
            await self.stop_servers()
        for name, reason in self.not_started.items():
            for row in self.res.rows.values():
                row.values.setdefault(name, Fail(reason))
        return self.res


# ----------------------------------------------------------------------------------------- output


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} CPUs ({cpu}), {ram:.0f} GiB RAM, {platform.system()} {platform.release()}"


def versions() -> str:
    from importlib.metadata import version

    out = [f"Python {platform.python_version()}"]
    for pkg in ("folio", "jupyter_server", "jupyter_client", "ipykernel", "tornado", "uvicorn"):
        try:
            out.append(f"{pkg} {version(pkg)}")
        except Exception:
            pass
    return ", ".join(out)


def cpu_pressure() -> str:
    """Linux PSI: the share of the last minute some task waited for a CPU (other work on a shared box)."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
        return line.split("avg60=")[1].split()[0] + " %"
    except (OSError, IndexError):
        return "n/a"


def section(res: Results, command: str, elapsed: float, load: tuple[str, str]) -> str:
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    notes = "\n".join(f"- {n}" for n in res.notes) or "- none"
    return f"""## folio serve vs jupyter_server

Date: {date}. Machine: {machine()}. At the start of the run: {load[0]}; at the end: {load[1]}
(1-minute load average; CPU pressure = share of the last minute some task waited for a CPU).
{versions()}.

Command (from the repository root, {elapsed:.0f} s):

```
{command}
```

Both servers run with their default settings on 127.0.0.1 (temp roots, isolated Jupyter dirs), driven by
the same client code (`bench/serverbench/`: asyncio + websockets, `v1.kernel.websocket.jupyter.org`,
TCP_NODELAY, no permessage-deflate). "direct floor" is jupyter_client talking to the kernel over ZMQ
in the benchmark process, with no server in between. Round trip = execute_request sent → both
execute_reply and iopub `idle` received. Medians unless the metric says otherwise. The machine is shared
with other work, so expect noise; ratios taken in the same run are what to compare.

- Kernel start: folio keeps one warm kernel by default (`pool_size = 1`), so the first start of a pair
  is served from it; the second start right after it shows a cold start, comparable to the floor.
- Output floods: jupyter_server's defaults (`iopub_data_rate_limit` 1 MB/s over a 3 s window) drop
  output it considers too fast; the "% delivered" rows count stdout bytes that reached the client.
- RSS is the server process (plus any non-kernel helpers), never the kernels.
- jupyter_server's ~48 ms round trip is Nagle's algorithm meeting delayed ACKs: tornado does not set
  TCP_NODELAY on websocket streams and jupyter_server does not ask for it, so every message after the
  first `busy` of a cell waits ~40 ms. In a side experiment, calling `set_nodelay(True)` on the
  websocket stream brought it to ~10 ms. The table keeps the default.

{render_table(res)}

Notes from the run:

{notes}
"""


def write_results(path: Path, text: str) -> None:
    """Replace only the "folio serve vs jupyter_server" section; every other section stays as it is."""
    replace_section(path, "## folio serve vs jupyter_server", text)


def load_now() -> str:
    return f"load {os.getloadavg()[0]:.1f}, CPU pressure {cpu_pressure()}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default=",".join(CASES),
                   help=f"comma-separated cases to run (default all): {','.join(CASES)}")
    p.add_argument("--servers", default=f"{JS},{FOLIO}", help="comma-separated: jupyter_server,folio")
    p.add_argument("--reps", type=int, default=5, help="repetitions for start, save/open and list (default 5)")
    p.add_argument("--rtt-n", type=int, default=200, help="measured round trips per target (default 200)")
    p.add_argument("--kernels", type=int, default=20, help="kernels in the concurrent case (default 20)")
    p.add_argument("--direct-concurrent", action=argparse.BooleanOptionalAction, default=True,
                   help="also run the concurrent case straight over ZMQ as a floor (default on)")
    p.add_argument("--max-seconds", type=float, default=540, help="time budget for the whole run (default 540)")
    p.add_argument("--write", action="store_true", help="update the section in bench/RESULTS.md")
    p.add_argument("--json", type=Path, help="also write raw results as JSON to this file")
    p.add_argument("--keep", action="store_true", help="keep the temp folder (server roots and logs)")
    p.add_argument("-v", "--verbose", action="store_true")
    a = p.parse_args(argv)
    a.only = [c.strip() for c in a.only.split(",") if c.strip()]
    bad = [c for c in a.only if c not in CASES]
    if bad:
        p.error(f"unknown case(s) {bad}; choose from {CASES}")
    a.servers = [s.strip() for s in a.servers.split(",") if s.strip()]
    if any(s not in (JS, FOLIO) for s in a.servers):
        p.error("--servers takes jupyter_server and/or folio")
    return a


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    t0 = time.monotonic()
    load0 = load_now()
    work = Path(tempfile.mkdtemp(prefix="folio-bench-server-"))
    try:
        res = asyncio.run(Bench(args, work).main())
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
    elapsed = time.monotonic() - t0
    print()
    print(render_table(res))
    if res.notes:
        print("\nnotes:")
        for n in res.notes:
            print(f"  - {n}")
    by_reason: dict[str, list[str]] = {}
    for r in res.rows.values():
        v = r.values.get(FOLIO)
        if isinstance(v, Fail):
            by_reason.setdefault(v.reason, []).append(r.case)
    for reason, cases in by_reason.items():
        print(f"\nfolio FAILED {', '.join(dict.fromkeys(cases))}: {reason}")
    print(f"\n({elapsed:.0f} s)")
    argv_shown = sys.argv[1:] if argv is None else argv
    command = shlex.join(["python", "bench/bench_server.py", *argv_shown])
    if args.write:
        path = Path(__file__).resolve().parent / "RESULTS.md"
        write_results(path, section(res, command, elapsed, (load0, load_now())))
        print(f"updated {path.name}")
    if args.json:
        args.json.write_text(json.dumps({
            "command": command, "machine": machine(), "versions": versions(), "notes": res.notes,
            "rows": {k: {"label": r.label, "unit": r.unit, "target": r.target, "verdict": r.verdict(),
                         "values": {t: (v.reason if isinstance(v, Fail) else v) for t, v in r.values.items()}}
                     for k, r in res.rows.items()},
            "raw": res.raw}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
