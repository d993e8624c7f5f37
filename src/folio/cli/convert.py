"""``folio convert``: notebooks to HTML, Markdown, scripts, PDF or notebooks, on nbconvert's exporters."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import click

from folio.cli._common import ToolError

EPILOG = """\b
Examples:
  folio convert report.ipynb --to html               # report.html, images embedded
  folio convert report.ipynb --to html --no-input    # a report without code
  folio convert *.ipynb --to markdown --output-dir docs/   # images go to NAME_files/
  folio convert etl.ipynb --to script                # etl.py (extension from the kernel language)
  folio convert report.ipynb --to pdf                # needs Chromium (playwright) or xelatex
  folio convert report.ipynb --to html --execute -p year 2024

\b
The input is never overwritten; --to notebook writes NAME.nbconvert.ipynb.
"""

FORMATS = ("html", "markdown", "script", "pdf", "notebook", "latex", "rst", "slides")


def _exporter(to: str) -> Any:
    import nbconvert

    if to == "pdf":
        return _pdf_exporter()
    cls = {"html": nbconvert.HTMLExporter, "markdown": nbconvert.MarkdownExporter,
           "script": nbconvert.ScriptExporter, "notebook": nbconvert.NotebookExporter,
           "latex": nbconvert.LatexExporter, "rst": nbconvert.RSTExporter, "slides": nbconvert.SlidesExporter}[to]
    exp = cls()
    if to == "html":
        exp.embed_images = True  # markdown images by path become data URIs: one self-contained file
    return exp


def _pdf_exporter() -> Any:
    """Chromium through playwright if it can launch, else LaTeX if xelatex is installed, else a clear error."""
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch()
            browser.close()
        from nbconvert import WebPDFExporter

        return WebPDFExporter()
    except Exception as e:  # playwright missing, or its browser not installed
        chromium_problem = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    if shutil.which("xelatex"):
        from nbconvert import PDFExporter

        return PDFExporter()
    raise ToolError(
        "PDF needs a renderer and none is installed. Either install Chromium for playwright "
        "('pip install playwright && playwright install chromium') or a TeX distribution with xelatex "
        f"(e.g. 'apt-get install texlive-xetex'). Meanwhile '--to html' gives the same report. "
        f"(Chromium: {chromium_problem})",
        exit_code=1,
    )


@click.command("convert", epilog=EPILOG)
@click.argument("notebooks", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--to", "to", type=click.Choice(FORMATS), required=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Output file (one notebook only).")
@click.option("--output-dir", type=click.Path(file_okay=False), help="Folder for the outputs.")
@click.option("--no-input", is_flag=True, help="Leave code cells' sources (and prompts) out: a report.")
@click.option("--no-prompt", is_flag=True, help="Leave In[ ]/Out[ ] prompts out.")
@click.option("--template", help="nbconvert template name (e.g. lab, classic, basic for HTML).")
@click.option("--execute", is_flag=True, help="Run the notebook first (on folio's kernels layer).")
@click.option("-p", "--parameter", "params", nargs=2, multiple=True, metavar="NAME VALUE",
              help="With --execute: a parameter, typed like papermill.")
def convert(notebooks: tuple[str, ...], to: str, output: str | None, output_dir: str | None, no_input: bool,
            no_prompt: bool, template: str | None, execute: bool, params: tuple[tuple[str, str], ...]) -> None:
    """Convert notebooks to another format with nbconvert."""
    from folio.errors import FolioError
    from folio.notebook.nbio import atomic_write_text, read_notebook

    if output and len(notebooks) > 1:
        raise click.UsageError("-o takes one notebook; use --output-dir for several")
    exporter = _exporter(to)
    if template:
        exporter.template_name = template
    if no_input:
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
    if no_prompt:
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
    failed = 0
    for src_s in notebooks:
        src = Path(src_s)
        try:
            nb = read_notebook(src)
            if execute:
                from folio.execution import params as P
                from folio.execution.runner import run_notebook

                nb = run_notebook(src, None, {k: P.resolve_type(v) for k, v in params}, environment="none").notebook
            resources = {"metadata": {"name": src.stem, "path": str(src.parent)}}
            body, res = exporter.from_notebook_node(nb, resources=resources)
        except FolioError as e:
            click.echo(f"folio convert: {src}: {e}", err=True)
            failed += 1
            continue
        except Exception as e:  # nbconvert's template and renderer errors have no common base
            click.echo(f"folio convert: {src}: {to} conversion failed: {type(e).__name__}: {e}", err=True)
            failed += 1
            continue
        ext = res.get("output_extension") or f".{to}"
        if to == "notebook":
            ext = ".nbconvert.ipynb"
        dest = Path(output) if output else (Path(output_dir) if output_dir else src.parent) / f"{src.stem}{ext}"
        if dest.resolve() == src.resolve():
            click.echo(f"folio convert: {src}: refusing to overwrite the input; pick -o or --output-dir", err=True)
            failed += 1
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            tmp = dest.with_name(f".{dest.name}.tmp")
            tmp.write_bytes(body)
            tmp.replace(dest)
        else:
            atomic_write_text(dest, body)
        for name, data in (res.get("outputs") or {}).items():  # extracted images (markdown, rst, latex)
            (dest.parent / name).parent.mkdir(parents=True, exist_ok=True)
            (dest.parent / name).write_bytes(data)
        click.echo(f"{src} -> {dest}", err=True)
    if failed:
        raise ToolError(f"{failed} of {len(notebooks)} conversion(s) failed")
