#!/usr/bin/env python
"""Operations overhead and the warm kernel pool (issue 5), measured side by side in one run.

1. Metrics overhead: the exec round trip of ``1+1`` over the kernel websocket (execute_request sent →
   execute_reply and iopub ``idle`` received) on two folio servers at once: metrics and access logging
   ON (defaults, log level info) and OFF (``FOLIO_METRICS_ENABLED=false FOLIO_LOG_LEVEL=warning``).
   Blocks of round trips alternate between the two servers (who goes first alternates too) so machine
   noise hits both alike. Also the server process's CPU time per round trip (psutil), a steadier signal
   on a shared machine than wall-clock latency.
2. Kernel start → first kernel_info reply (POST /api/kernels, open the websocket, kernel_info_request →
   reply) for folio with its warm pool (``FOLIO_POOL_SIZE=1``, refilled before every sample), folio
   without it (``FOLIO_POOL_SIZE=0``) and jupyter_server, the three interleaved.

    python bench/bench_ops.py            # print the tables (about 2-3 minutes)
    python bench/bench_ops.py --write    # and replace this benchmark's section in bench/RESULTS.md

Servers run on 127.0.0.1 with temp roots and isolated Jupyter dirs (bench/serverbench/), and every process
this script starts is stopped by pid at the end, also on errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import shlex
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
from bench_server import cpu_pressure, machine, pct, versions
from results_md import replace_section
from serverbench.runners import BenchError, ServerKernel
from serverbench.servers import Server, _spawn, isolated_env, start_jupyter_server

TITLE = "## Operations overhead and warm pool (issue 5)"
ON, OFF = "folio metrics ON", "folio metrics OFF"
POOL, COLD, JS = "folio pool=1", "folio pool=0", "jupyter_server"

# Every server this run started, so they can be stopped from the synchronous `finally` in main()
# even when the event loop was torn down by an error or Ctrl-C.
STARTED: list[Server] = []


def start_folio_env(base: Path, token: str, extra: dict[str, str], timeout: float = 60) -> Server:
    """serverbench's start_folio with FOLIO_* settings added (isolated_env drops the caller's FOLIO_*)."""
    root = base / "root"
    root.mkdir(parents=True, exist_ok=True)
    env = isolated_env(base / "jupyter") | extra
    cmd = [sys.executable, "-m", "folio", "serve", "--ip", "127.0.0.1", "--port", "0", "--no-browser",
           "--token", token, "--root", str(root)]
    s = _spawn("folio", cmd, env, root, token, r"FOLIO_URL=(\S+/)", timeout)
    STARTED.append(s)
    return s


def start_js(base: Path, token: str) -> Server:
    s = start_jupyter_server(base, token)
    STARTED.append(s)
    return s


def server_cpu(s: Server) -> float:
    """CPU seconds (user + system) of the server process itself, kernels excluded."""
    t = psutil.Process(s.pid).cpu_times()
    return t.user + t.system


def loadavg() -> str:
    a = os.getloadavg()
    return f"{a[0]:.2f} / {a[1]:.2f} / {a[2]:.2f}"


@dataclass
class Out:
    rtt: dict[str, list[float]] = field(default_factory=dict)          # ms, every measured round trip
    rtt_cpu: dict[str, tuple[float, int]] = field(default_factory=dict)  # server CPU s in own blocks, round trips
    rtt_cpu_whole: dict[str, tuple[float, int]] = field(default_factory=dict)  # same over the whole phase
    round_ratio: list[float] = field(default_factory=list)             # per round: median ON / median OFF
    start: dict[str, list[float]] = field(default_factory=dict)        # ms
    pool_waits: list[float] = field(default_factory=list)              # s waited for the refill
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        print(f"  note: {text}", flush=True)
        self.notes.append(text)


# ----------------------------------------------------------------------------------------- cases


async def rtt_case(args: argparse.Namespace, work: Path, token: str, out: Out) -> None:
    envs = {ON: {"FOLIO_POOL_SIZE": "1"},
            OFF: {"FOLIO_POOL_SIZE": "1", "FOLIO_METRICS_ENABLED": "false", "FOLIO_LOG_LEVEL": "warning"}}
    names = list(envs)
    servers: dict[str, Server] = {}
    for i, n in enumerate(names):
        servers[n] = await asyncio.to_thread(start_folio_env, work / f"rtt{i}", token, envs[n])
        print(f"  {n}: {servers[n].url} (pid {servers[n].pid})", flush=True)
    clients = {n: httpx.AsyncClient(base_url=s.url, headers=s.headers, timeout=60) for n, s in servers.items()}
    kernels: dict[str, ServerKernel] = {}
    try:
        # Check the settings took: /metrics is served with metrics on and 404 with them off.
        for n, want in ((ON, 200), (OFF, 404)):
            got = (await clients[n].get("metrics")).status_code
            if got != want:
                raise BenchError(f"{n}: GET /metrics -> {got}, expected {want}")
        for n in names:
            k = ServerKernel(servers[n], clients[n])
            kernels[n] = k
            await asyncio.wait_for(k.start(timeout=90), 100)
        # The kernel handed out came from the pool; let the refill start finish before measuring.
        await asyncio.sleep(args.settle)
        for n in names:
            for _ in range(args.warmup):
                await kernels[n].run("1+1", timeout=30)
        out.rtt = {n: [] for n in names}
        cpu = {n: 0.0 for n in names}
        whole0 = {n: server_cpu(servers[n]) for n in names}
        for rnd in range(args.rounds):
            order = names if rnd % 2 == 0 else names[::-1]
            meds: dict[str, float] = {}
            for n in order:
                k, lat = kernels[n], []
                c0 = server_cpu(servers[n])
                for _ in range(args.block):
                    t0 = time.perf_counter()
                    r = await k.run("1+1", timeout=30)
                    lat.append((time.perf_counter() - t0) * 1000)
                    if r.reply is None or r.reply.get("status") != "ok":
                        raise BenchError(f"{n}: execute_reply {r.reply}")
                cpu[n] += server_cpu(servers[n]) - c0
                out.rtt[n] += lat
                meds[n] = statistics.median(lat)
            out.round_ratio.append(meds[ON] / meds[OFF])
        whole = {n: server_cpu(servers[n]) - whole0[n] for n in names}
        out.rtt_cpu = {n: (cpu[n], len(out.rtt[n])) for n in names}
        out.rtt_cpu_whole = {n: (whole[n], len(out.rtt[n])) for n in names}
        logged = [ln for ln in servers[OFF].log_lines if '"level": "info"' in ln]
        if logged:
            out.note(f"the OFF server still logged {len(logged)} info lines")
    finally:
        for k in kernels.values():
            await k.close()
        for c in clients.values():
            await c.aclose()
        for s in servers.values():
            await asyncio.to_thread(s.stop)


async def pool_available(s: Server, http: httpx.AsyncClient) -> float | None:
    r = await http.get("metrics")
    if r.status_code != 200:
        raise BenchError(f"GET /metrics -> {r.status_code}")
    m = re.search(r'^folio_pool_kernels_available\{kernel_name="python3"\} (\S+)$', r.text, re.M)
    return float(m.group(1)) if m else None


async def wait_pool(s: Server, http: httpx.AsyncClient, timeout: float) -> float:
    t0 = time.monotonic()
    while True:
        if (await pool_available(s, http)) == 1:
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise BenchError(f"the pool did not refill within {timeout:.0f} s")
        await asyncio.sleep(0.1)


async def start_case(args: argparse.Namespace, work: Path, token: str, out: Out) -> None:
    servers: dict[str, Server] = {}
    servers[POOL] = await asyncio.to_thread(start_folio_env, work / "pool1", token, {"FOLIO_POOL_SIZE": "1"})
    servers[COLD] = await asyncio.to_thread(start_folio_env, work / "pool0", token, {"FOLIO_POOL_SIZE": "0"})
    servers[JS] = await asyncio.to_thread(start_js, work / "js", token)
    for n, s in servers.items():
        print(f"  {n}: {s.url} (pid {s.pid})", flush=True)
    clients = {n: httpx.AsyncClient(base_url=s.url, headers=s.headers, timeout=60) for n, s in servers.items()}
    names = list(servers)
    out.start = {n: [] for n in names}
    try:
        await wait_pool(servers[POOL], clients[POOL], 90)
        prev, closed = "", 0.0
        for rep in range(args.start_n + 1):  # the first rep is a warm-up, not recorded
            for n in names[rep % 3:] + names[: rep % 3]:
                # Before every sample, of any target: the pool is full again (so no refill start runs in the
                # background of a cold sample), and shutdowns from the previous sample had time to finish.
                waited = await wait_pool(servers[POOL], clients[POOL], 90)
                if prev == POOL:
                    out.pool_waits.append(waited + closed)  # from the warm start's reply to a full pool
                prev = n
                await asyncio.sleep(args.settle)
                k = ServerKernel(servers[n], clients[n])
                try:
                    dt = await asyncio.wait_for(k.start(timeout=90), 100)
                    t_reply = time.monotonic()
                finally:
                    await k.close()
                closed = time.monotonic() - t_reply
                if rep > 0:
                    out.start[n].append(dt * 1000)
                print(f"    {n}: {dt * 1000:.0f} ms{'' if rep else ' (warm-up)'}", flush=True)
    finally:
        for c in clients.values():
            await c.aclose()
        for s in servers.values():
            await asyncio.to_thread(s.stop)


# ----------------------------------------------------------------------------------------- output


def f_ms(v: float) -> str:
    return f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"


def tables(out: Out, args: argparse.Namespace) -> str:
    lines: list[str] = []
    if out.rtt.get(ON) and out.rtt.get(OFF):
        on, off = out.rtt[ON], out.rtt[OFF]
        p50on, p50off = pct(on, 50), pct(off, 50)
        over = p50on / p50off - 1
        cpu_on = out.rtt_cpu[ON][0] / out.rtt_cpu[ON][1] * 1000
        cpu_off = out.rtt_cpu[OFF][0] / out.rtt_cpu[OFF][1] * 1000
        w_on = out.rtt_cpu_whole[ON][0] / out.rtt_cpu_whole[ON][1] * 1000
        w_off = out.rtt_cpu_whole[OFF][0] / out.rtt_cpu_whole[OFF][1] * 1000
        rr = sorted(out.round_ratio)
        lines += [
            f"Exec `1+1` round trip, {len(on)} per server ({args.rounds} alternating rounds of {args.block}, "
            f"after {args.warmup} warm-up runs each):",
            "",
            f"| metric | {ON} | {OFF} | ON/OFF | overhead (ON/OFF − 1) | target | verdict |",
            "|---|---|---|---|---|---|---|",
            f"| round trip p50 (ms) | {f_ms(p50on)} | {f_ms(p50off)} | {p50on / p50off:.3f}× | {over:+.1%} "
            f"| < 3 % | {'meets' if over < 0.03 else 'MISS'} |",
            f"| round trip p99 (ms) | {f_ms(pct(on, 99))} | {f_ms(pct(off, 99))} | "
            f"{pct(on, 99) / pct(off, 99):.2f}× | {pct(on, 99) / pct(off, 99) - 1:+.1%} | | |",
            f"| round trip mean (ms) | {f_ms(statistics.fmean(on))} | {f_ms(statistics.fmean(off))} | "
            f"{statistics.fmean(on) / statistics.fmean(off):.3f}× | "
            f"{statistics.fmean(on) / statistics.fmean(off) - 1:+.1%} | | |",
            f"| per-round ratio of medians, median [min–max] | | | {statistics.median(rr):.3f}× "
            f"[{rr[0]:.2f}–{rr[-1]:.2f}] | {statistics.median(rr) - 1:+.1%} | | |",
            f"| server CPU per round trip, whole interleaved phase (ms) | {w_on:.3f} | {w_off:.3f} | "
            f"{w_on / w_off:.3f}× | {w_on / w_off - 1:+.1%} | | |",
            f"| server CPU per round trip, own blocks only (ms) | {cpu_on:.3f} | {cpu_off:.3f} | "
            f"{cpu_on / cpu_off:.3f}× | {cpu_on / cpu_off - 1:+.1%} | | |",
            "",
        ]
    if out.start and all(out.start.values()):
        s = out.start
        med = {n: statistics.median(v) for n, v in s.items()}
        mn = {n: min(v) for n, v in s.items()}
        lines += [
            f"Kernel start → first kernel_info reply, {len(s[POOL])} samples each (after one warm-up each):",
            "",
            f"| metric | {POOL} | {COLD} | {JS} | pool/cold | pool/js | cold/js |",
            "|---|---|---|---|---|---|---|",
        ]
        for label, d in (("median (ms)", med), ("min (ms)", mn)):
            lines.append(f"| {label} | {f_ms(d[POOL])} | {f_ms(d[COLD])} | {f_ms(d[JS])} | "
                         f"{d[POOL] / d[COLD]:.3f}× | {d[POOL] / d[JS]:.3f}× | {d[COLD] / d[JS]:.2f}× |")
        lines.append(f"| max (ms) | {f_ms(max(s[POOL]))} | {f_ms(max(s[COLD]))} | {f_ms(max(s[JS]))} | | | |")
        lines.append("")
    return "\n".join(lines)


def section(out: Out, args: argparse.Namespace, command: str, elapsed: float, load: tuple[str, str],
            psi: tuple[str, str]) -> str:
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    ram = psutil.virtual_memory().total / 2**30
    notes = "\n".join(f"- {n}" for n in out.notes)
    notes_block = f"\n\nNotes from the run:\n\n{notes}" if notes else ""
    three_pct = f"about {0.03 * pct(out.rtt[OFF], 50):.2f} ms here" if out.rtt.get(OFF) else "n/a"
    f_cpu_total = (f"{out.rtt_cpu_whole[ON][0]:.2f} s of CPU for ON, {out.rtt_cpu_whole[OFF][0]:.2f} s for OFF"
                   if out.rtt_cpu_whole else "n/a")
    pool_wait = (f" The pool was full again a median {statistics.median(out.pool_waits):.1f} s after a warm "
                 f"start's reply (deleting that kernel included)." if out.pool_waits else "")
    return f"""{TITLE}

Date: {date}. Machine: {machine()}; nproc {os.cpu_count()}, RAM {ram:.1f} GiB.
Load average (1 / 5 / 15 min) at the start: {load[0]}; at the end: {load[1]}
(CPU pressure, share of the last minute some task waited for a CPU: {psi[0]} → {psi[1]}).
{versions()}.

Command (from the repository root, {elapsed:.0f} s):

```
{command}
```

Both cases start their own servers on 127.0.0.1 (temp roots, isolated Jupyter dirs) and drive them with
`bench/serverbench/` (websockets client, `v1.kernel.websocket.jupyter.org`, TCP_NODELAY). ON is folio's
defaults (metrics on, log level info); OFF is `FOLIO_METRICS_ENABLED=false FOLIO_LOG_LEVEL=warning`
(so the access-log middleware is not installed); both keep `FOLIO_POOL_SIZE=1`, the default. Round trip =
execute_request sent → execute_reply and iopub `idle` received. Server CPU = user + system time of the
server process (kernels excluded), divided by that server's measured round trips.
Kernel start = POST /api/kernels → websocket open → kernel_info_reply; each kernel is deleted after its
sample, and before every sample (of any server) the pool server's
`folio_pool_kernels_available{{kernel_name="python3"}}` is back to 1, so no refill runs during another
server's sample.{pool_wait}

{tables(out, args)}
Noise: the machine is shared with other work ({os.cpu_count()} CPUs; see the load above), so the median of
one block of round trips moves by several ms from block to block, far more than the 3 % looked for
({three_pct}). Blocks alternate between ON and OFF (who goes first alternates too) so that noise hits both
alike; the min–max of the per-round ratios shows how far one short run could be off either way. The
server CPU per round trip is the steadier number: it does not count time spent waiting for a CPU.
psutil reads it in 10 ms ticks, so the "whole phase" row (one reading before the first block and one after
the last: {f_cpu_total}; it also counts what a server does while idle during the other's blocks) is the
more precise of the two; "own blocks only" sums {args.rounds} short readings, each ±10 ms.{notes_block}
"""


def write_results(path: Path, text: str) -> None:
    """Replace only this benchmark's section (or append it); every other section stays as it is."""
    replace_section(path, TITLE, text)


# ----------------------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default="rtt,start", help="comma-separated cases: rtt,start (default both)")
    p.add_argument("--rounds", type=int, default=40, help="alternating rounds in the rtt case (default 40)")
    p.add_argument("--block", type=int, default=25, help="round trips per server per round (default 25)")
    p.add_argument("--warmup", type=int, default=50, help="warm-up round trips per server (default 50)")
    p.add_argument("--start-n", type=int, default=7, help="kernel start samples per server (default 7)")
    p.add_argument("--settle", type=float, default=1.0, help="seconds of quiet before each start sample")
    p.add_argument("--max-seconds", type=float, default=330, help="time budget for the whole run (default 330)")
    p.add_argument("--write", action="store_true", help="replace this benchmark's section in bench/RESULTS.md")
    a = p.parse_args(argv)
    a.only = [c.strip() for c in a.only.split(",") if c.strip()]
    if bad := [c for c in a.only if c not in ("rtt", "start")]:
        p.error(f"unknown case(s) {bad}")
    if a.rounds * a.block < 300:
        p.error("--rounds × --block must be at least 300")
    return a


async def run(args: argparse.Namespace, work: Path, out: Out) -> None:
    token = secrets.token_hex(16)
    deadline = time.monotonic() + args.max_seconds
    for name, fn, budget in (("rtt", rtt_case, 200), ("start", start_case, 200)):
        if name not in args.only:
            continue
        left = deadline - time.monotonic()
        if left < 20:
            out.note(f"{name}: skipped, the run's time budget is used up")
            continue
        print(f"case {name} ... (load {loadavg()})", flush=True)
        t0 = time.monotonic()
        try:
            await asyncio.wait_for(fn(args, work, token, out), min(budget, left))
        except TimeoutError:
            out.note(f"{name}: timed out after {time.monotonic() - t0:.0f} s")
        except (BenchError, RuntimeError, httpx.HTTPError, OSError) as e:
            out.note(f"{name}: failed: {type(e).__name__}: {e}"[:400])
        print(f"  ({time.monotonic() - t0:.0f} s)", flush=True)


def cleanup() -> None:
    """Stop every server this run started (each kills its leftover kernels by pid), then any child
    process of ours still alive (a server whose start was interrupted before it was recorded)."""
    for s in STARTED:
        try:
            s.stop()
        except Exception as e:
            print(f"stopping {s.name} (pid {s.pid}): {e}", file=sys.stderr)
    try:
        kids = psutil.Process().children(recursive=True)
    except psutil.Error:
        kids = []
    for k in kids:
        try:
            k.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(kids, timeout=10)
    for k in alive:
        try:
            k.kill()
        except psutil.Error:
            pass


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM takes the same path as Ctrl-C (also when started in the background, where SIGINT comes in
    # ignored), so the servers are stopped either way.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    t0 = time.monotonic()
    load0, psi0 = loadavg(), cpu_pressure()
    work = Path(tempfile.mkdtemp(prefix="folio-bench-ops-"))
    out = Out()
    try:
        asyncio.run(run(args, work, out))
    except KeyboardInterrupt:
        print("interrupted; stopping the servers", file=sys.stderr)
        return 130
    finally:
        cleanup()
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.monotonic() - t0
    text = tables(out, args)
    print()
    print(text or "(no results)")
    for n in out.notes:
        print(f"note: {n}")
    print(f"({elapsed:.0f} s; load {load0} → {loadavg()})")
    argv_shown = sys.argv[1:] if argv is None else argv
    command = shlex.join(["python", "bench/bench_ops.py", *argv_shown])
    if args.write:
        if not text:
            print("nothing measured; RESULTS.md left as it is", file=sys.stderr)
            return 1
        path = Path(__file__).resolve().parent / "RESULTS.md"
        write_results(path, section(out, args, command, elapsed, (load0, loadavg()), (psi0, cpu_pressure())))
        print(f"updated {path.name}")
    return 0 if text else 1


if __name__ == "__main__":
    sys.exit(main())
