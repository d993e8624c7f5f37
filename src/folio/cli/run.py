"""``folio run``: execute notebooks headlessly with papermill-compatible parameters."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from folio.cli._common import ToolError, strip_ansi

EPILOG = """\b
Examples:
  folio run report.ipynb -p region EU -p year 2024      # writes report.out.ipynb
  folio run report.ipynb -f params.yaml -o out/report.ipynb
  folio run a.ipynb b.ipynb --output-dir runs/ -j 2      # two notebooks at once
  folio run sweep.ipynb -f grid.yaml -j 4 --output-dir runs/   # grid.yaml: a list of parameter sets
  folio run etl.ipynb --cell-timeout 600 --timeout 3600 --json > record.jsonl
  folio run report.ipynb --help-notebook                # list its parameters
  cat in.ipynb | folio run - -p n 3 > out.ipynb         # stdin to stdout

\b
Parameters go into a new cell tagged 'injected-parameters' after the cell tagged
'parameters' (papermill's convention). -p values are typed like papermill
(True/False/None, int, float, else string); -r keeps the raw string; -y and -f
take YAML (lists and mappings). A -f file holding a list runs once per entry.
\b
Output names: -o PATH for one run; with several runs -o may use {stem},
{index} and {name}. Default: NAME.out.ipynb (NAME.out-INDEX.ipynb) beside
the input. The input is never overwritten unless --inplace.
\b
Exit status: 0 all runs succeeded, 1 a run failed (cell error, timeout,
dead kernel), 2 bad usage or input, 3 kernel unavailable, 130/143 interrupted.
"""


@dataclass
class _Job:
    index: int
    source: Any  # a Path, or the NotebookNode read from stdin
    parameters: dict[str, Any]
    output: Path | None
    label: str
    kernel: str
    cwd: str | None


class _ForRun:
    """Routes one run's progress events to the shared display, labelled with the run's name."""

    def __init__(self, display: Any, labels: dict[int, str], label: str) -> None:
        self.display, self.labels, self.label = display, labels, label

    def run_started(self, record: Any) -> None:
        self.labels[id(record)] = self.label
        self.display.run_started(record)

    def cell_started(self, record: Any, cell: Any, n: int) -> None:
        self.display.cell_started(record, cell, n)

    def cell_finished(self, record: Any, cell: Any, n: int) -> None:
        self.display.cell_finished(record, cell, n)

    def run_finished(self, record: Any) -> None:
        self.display.run_finished(record)


def _output_for(src: Path, index: int, many_sets: bool, output: str | None, output_dir: str | None,
                inplace: bool, params: dict[str, Any]) -> Path | None:
    if inplace:
        return src
    if output == "-":
        return None
    stem = src.stem
    if output:
        if many_sets and "{" not in output:
            raise click.UsageError("several runs need --output-dir, or -o with {stem}/{index}/{name} in it")
        return Path(output.format(stem=stem, index=index, name=src.name))
    name = f"{stem}-{index}.ipynb" if many_sets else f"{stem}.ipynb"
    if output_dir:
        return Path(output_dir) / name
    return src.with_name(f"{stem}.out-{index}.ipynb" if many_sets else f"{stem}.out.ipynb")


@click.command("run", epilog=EPILOG)
@click.argument("notebooks", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-p", "--parameter", "params", nargs=2, multiple=True, metavar="NAME VALUE",
              help="A parameter, typed like papermill (int, float, bool, None, else str).")
@click.option("-r", "--parameter-raw", "raw_params", nargs=2, multiple=True, metavar="NAME VALUE",
              help="A parameter kept as a raw string.")
@click.option("-y", "--parameters-yaml", "yaml_params", multiple=True, metavar="YAML",
              help="Parameters as a YAML mapping string.")
@click.option("-b", "--parameters-base64", "b64_params", multiple=True, metavar="B64",
              help="Parameters as a base64-encoded YAML mapping.")
@click.option("-f", "--parameters-file", "param_files", multiple=True, type=click.Path(dir_okay=False),
              help="YAML or JSON file: a mapping, or a list of mappings (one run each).")
@click.option("-o", "--output", help="Output notebook ('-' for stdout).")
@click.option("--output-dir", type=click.Path(file_okay=False), help="Folder for the output notebooks.")
@click.option("--inplace", is_flag=True, help="Write the executed notebook over the input.")
@click.option("-k", "--kernel", help="Kernelspec name (default: the notebook's, else the default kernel).")
@click.option("--cwd", type=click.Path(file_okay=False, exists=True),
              help="Kernel working folder (default: the notebook's folder).")
@click.option("--cell-timeout", type=float, help="Seconds one cell may run.")
@click.option("--timeout", type=float, help="Seconds a whole notebook may run.")
@click.option("--start-timeout", type=float, default=60.0, show_default=True, help="Seconds to wait for a kernel.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Runs at once, each on a fresh kernel from a pool started ahead of need.")
@click.option("--allow-errors", is_flag=True, help="Keep running after a cell error (the run still counts as ok).")
@click.option("--env", "env_mode", type=click.Choice(["inline", "sidecar", "none"]), default="inline",
              show_default=True, help="Record installed packages in the notebook, in a sidecar file, or not.")
@click.option("--prepare-only", is_flag=True, help="Inject the parameters and write the output without running it.")
@click.option("--help-notebook", is_flag=True, help="Show the notebook's parameters (names, defaults, help) and exit.")
@click.option("--log-output", is_flag=True, help="Echo the cells' stdout/stderr to stderr as they run.")
@click.option("--report-mode", is_flag=True, help="Hide the injected parameters cell's source in the output.")
@click.option("-q", "--quiet", is_flag=True, help="No progress, only errors and the exit status.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines on stdout: cell events and each run record.")
@click.option("--progress/--no-progress", default=None, help="Force the progress bar on or off.")
def run(notebooks: tuple[str, ...], params: tuple[tuple[str, str], ...], raw_params: tuple[tuple[str, str], ...],
        yaml_params: tuple[str, ...], b64_params: tuple[str, ...], param_files: tuple[str, ...],
        output: str | None, output_dir: str | None, prepare_only: bool, help_notebook: bool, log_output: bool,
        inplace: bool, kernel: str | None, cwd: str | None, cell_timeout: float | None, timeout: float | None,
        start_timeout: float, jobs: int, allow_errors: bool, env_mode: str, report_mode: bool, quiet: bool,
        as_json: bool, progress: bool | None) -> None:
    """Execute notebooks headlessly, writing each output notebook as it runs."""
    import yaml

    from folio.errors import FolioError
    from folio.execution import params as P
    from folio.execution.runner import default_kernel
    from folio.notebook.nbio import read_notebook

    if help_notebook:
        _show_parameters(notebooks)
        return
    try:
        files = [P.load_parameter_file(f) for f in param_files]
        overrides: dict[str, Any] = {}
        for y in [*yaml_params, *(_b64(b) for b in b64_params)]:
            data = yaml.safe_load(y)
            if not isinstance(data, dict):
                raise click.UsageError(f"-y needs a YAML mapping, got {y!r}")
            overrides.update(data)
        overrides.update({k: P.resolve_type(v) for k, v in params})
        overrides.update(dict(raw_params))
        sets = P.merge_parameter_sets(files, overrides)
    except FolioError as e:
        raise ToolError(e) from e
    except yaml.YAMLError as e:
        raise click.UsageError(f"-y is not valid YAML: {e}") from e

    many = len(sets) > 1
    if inplace and (many or output or output_dir):
        raise click.UsageError("--inplace runs one parameter set and takes no -o/--output-dir")
    if output and output != "-" and len(notebooks) > 1 and "{" not in output:
        raise click.UsageError("several notebooks need --output-dir, or -o with {stem} in it")
    if output == "-" and (len(notebooks) > 1 or many):
        raise click.UsageError("-o - (stdout) takes one notebook and one parameter set")

    jobs_list: list[_Job] = []
    if "-" in notebooks and (len(notebooks) > 1 or many or inplace or (output not in (None, "-") and "{" in output)):
        raise click.UsageError("a notebook on stdin ('-') runs alone, with one parameter set")
    for src_s in notebooks:
        if src_s == "-":  # papermill's stdin/stdout mode: output to stdout unless -o
            from folio.notebook.nbio import reads_notebook

            try:
                nb_in = reads_notebook(sys.stdin.read(), "<stdin>")
            except FolioError as e:
                raise ToolError(e) from e
            out_in = Path(output) if output and output != "-" else None
            jobs_list.append(_Job(0, nb_in, sets[0], out_in, "<stdin>",
                                  kernel or (nb_in.metadata.get("kernelspec") or {}).get("name") or default_kernel(),
                                  cwd or str(Path.cwd())))
            output = output or "-"
            continue
        src = Path(src_s)
        try:
            nb = read_notebook(src)
        except FolioError as e:
            raise ToolError(e) from e
        nb_kernel = (nb.metadata.get("kernelspec") or {}).get("name")
        for i, ps in enumerate(sets):
            out = _output_for(src, i, many, output, output_dir, inplace, ps)
            if out is not None and not inplace and out.resolve() == src.resolve():
                raise click.UsageError(f"output {out} is the input notebook; use --inplace to overwrite it")
            label = f"{src.name}[{i}]" if many else src.name
            run_cwd = cwd or str(src.resolve().parent)
            jobs_list.append(_Job(i, src, ps, out, label, kernel or nb_kernel or default_kernel(), run_cwd))
    outs = [j.output for j in jobs_list if j.output is not None]
    if len({o.resolve() for o in outs}) != len(outs):
        raise click.UsageError("two runs would write the same output file; use {stem}/{index} or --output-dir")

    if prepare_only:
        _prepare_only(jobs_list, report_mode)
        return
    show_bar = progress if progress is not None else (sys.stderr.isatty() and not quiet and not as_json)
    code = asyncio.run(_run_all(jobs_list, jobs, cell_timeout=cell_timeout, timeout=timeout,
                                start_timeout=start_timeout, allow_errors=allow_errors, env_mode=env_mode,
                                report_mode=report_mode, quiet=quiet, as_json=as_json, show_bar=show_bar,
                                to_stdout=output == "-", log_output=log_output))
    sys.exit(code)


async def _run_all(jobs_list: list[_Job], jobs: int, *, cell_timeout: float | None, timeout: float | None,  # noqa: ASYNC109
                   start_timeout: float, allow_errors: bool, env_mode: str, report_mode: bool, quiet: bool,
                   as_json: bool, show_bar: bool, to_stdout: bool, log_output: bool = False) -> int:
    from folio.cli._progress import BarProgress, JsonProgress, LogProgress, QuietProgress
    from folio.errors import FolioError
    from folio.execution.pool import KernelPool
    from folio.execution.runner import RunResult, arun_notebook
    from folio.notebook.nbio import dumps_notebook

    labels: dict[int, str] = {}
    display: Any
    if as_json:
        display = JsonProgress(labels)
    elif quiet:
        display = QuietProgress()
    elif show_bar:
        display = BarProgress(labels, len(jobs_list))
    else:
        display = LogProgress(labels)

    results: dict[int, RunResult | FolioError] = {}
    pool = KernelPool(jobs, startup_timeout=start_timeout)
    for j in jobs_list:
        pool.expect(j.kernel, j.cwd)
    sem = asyncio.Semaphore(jobs)

    async def one(k: int, job: _Job) -> None:
        async with sem:
            try:
                nb_params = job.parameters
                res = await arun_notebook(
                    job.source, job.output, nb_params, kernel_name=job.kernel, cwd=job.cwd,
                    cell_timeout=cell_timeout, timeout=timeout, allow_errors=allow_errors,
                    progress=_ForRun(display, labels, job.label), environment=env_mode,  # type: ignore[arg-type]
                    pool=pool, startup_timeout=start_timeout, report_mode=report_mode,
                    on_stream=_echo_stream(job.label if len(jobs_list) > 1 else None) if log_output else None,
                    label=job.label,
                )
                results[k] = res
            except FolioError as e:
                results[k] = e

    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    got_signal: list[int] = []

    def on_signal(signum: int) -> None:
        got_signal.append(signum)
        if main:
            main.cancel()

    for s in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(s, on_signal, s)
        except (NotImplementedError, RuntimeError):
            pass
    tasks = [asyncio.ensure_future(one(k, j)) for k, j in enumerate(jobs_list)]
    try:
        await asyncio.gather(*tasks)
    except asyncio.CancelledError:
        for t in tasks:
            t.cancel()
        # Let each run write its partial notebook and stop its kernel.
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await asyncio.shield(pool.close())
        if isinstance(display, BarProgress):
            display.close()

    if to_stdout and 0 in results and not isinstance(results[0], FolioError):
        sys.stdout.write(dumps_notebook(results[0].notebook))
    failed = _report(jobs_list, results, quiet=quiet, as_json=as_json)
    if got_signal:
        click.echo(f"folio run: interrupted by {signal.Signals(got_signal[0]).name}; partial outputs were saved",
                   err=True)
        return 128 + got_signal[0]
    from folio.errors import KernelUnavailable

    if any(isinstance(r, KernelUnavailable) for r in results.values()):
        return 3
    return 1 if failed else 0


def _name(job: _Job) -> str:
    return str(job.source) if isinstance(job.source, Path) else job.label


def _b64(value: str) -> str:
    import base64
    import binascii

    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as e:
        raise click.BadParameter(f"not base64-encoded UTF-8 YAML: {e}", param_hint="-b") from e


def _echo_stream(label: str | None) -> Any:
    def echo(name: str, text: str) -> None:
        if label:
            text = "".join(f"[{label}] {line}" for line in text.splitlines(keepends=True))
        sys.stderr.write(text)
        sys.stderr.flush()

    return echo


def _show_parameters(notebooks: tuple[str, ...]) -> None:
    from folio.errors import FolioError
    from folio.execution.params import inspect_parameters
    from folio.notebook.nbio import read_notebook

    for src in notebooks:
        try:
            nb = read_notebook(src)
        except FolioError as e:
            raise ToolError(e) from e
        found = inspect_parameters(nb)
        click.echo(f"Parameters of {src}:" if found else f"{src} has no cell tagged 'parameters'.")
        for p in found:
            typ = f" ({p.type})" if p.type else ""
            default = p.default.replace("\n", " ")
            click.echo(f"  {p.name}{typ}: default {default}" + (f"  # {p.help}" if p.help else ""))


def _prepare_only(jobs_list: list[_Job], report_mode: bool) -> None:
    """papermill's --prepare-only: the parameterized notebook, not run."""
    from folio.execution.runner import prepare_notebook
    from folio.notebook.nbio import dumps_notebook, write_notebook

    for job in jobs_list:
        nb, _ = prepare_notebook(job.source, job.parameters, job.kernel, report_mode)
        if job.output is None:
            sys.stdout.write(dumps_notebook(nb))
        else:
            write_notebook(job.output, nb)
            click.echo(f"{job.label}: prepared {job.output}", err=True)


def _report(jobs_list: list[_Job], results: dict[int, Any], *, quiet: bool, as_json: bool) -> int:
    """Print each failure (notebook, cell, reason, traceback) and, for several runs, a summary table."""
    from folio.errors import FolioError

    tty = sys.stderr.isatty()
    failed = 0
    rows: list[tuple[str, str, str, str, str]] = []
    for k, job in enumerate(jobs_list):
        res = results.get(k)
        if res is None:
            rows.append((job.label, "not run", "-", "-", str(job.output or "-")))
            failed += 1
            continue
        if isinstance(res, FolioError):
            failed += 1
            click.echo(f"folio run: {_name(job)}: {res}", err=True)
            rows.append((job.label, "error", "-", "-", "-"))
            continue
        rec = res.record
        rows.append((job.label, rec.status, f"{rec.cells_run}/{rec.cells_total}", f"{rec.duration:.2f}s",
                     str(job.output) if job.output else "-"))
        if rec.ok:
            continue
        failed += 1
        click.echo(f"folio run: {rec.message}", err=True)
        if rec.error is not None:
            e = rec.error
            count = f"In[{e.execution_count}]" if e.execution_count else ""
            click.echo(f"  notebook: {_name(job)}\n  cell: {e.cell_index + 1} {count} id={e.cell_id}\n"
                       f"  error: {e.ename}: {e.evalue}", err=True)
            tb = "\n".join(e.traceback)
            click.echo(tb if tty else strip_ansi(tb), err=True)
        if job.output:
            click.echo(f"  partial output notebook: {job.output}", err=True)
    if len(jobs_list) > 1 and not quiet and not as_json:
        head = ("run", "status", "cells", "time", "output")
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
        for r in [head, *rows]:
            click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip(), err=True)
    if as_json:
        print(json.dumps({"event": "summary", "runs": len(jobs_list), "failed": failed}), flush=True)
    return failed
