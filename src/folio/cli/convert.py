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
  folio convert report.ipynb --to pdf                # needs Chromium (+ playwright) or xelatex
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


def _system_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _ChromiumPDF:
    """nbconvert's webpdf template, printed by a system Chromium through playwright (WebPDFExporter only
    launches playwright's own browser build, which is often not installed where a distribution Chromium is)."""

    def __init__(self, executable: str) -> None:
        from nbconvert import HTMLExporter

        self.executable = executable
        self.html = HTMLExporter(template_name="webpdf")
        self.exclude_input = self.exclude_input_prompt = self.exclude_output_prompt = False
        self.template_name = "webpdf"

    def from_notebook_node(self, nb: Any, resources: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
        import tempfile

        from playwright.sync_api import sync_playwright

        for k in ("exclude_input", "exclude_input_prompt", "exclude_output_prompt", "template_name"):
            setattr(self.html, k, getattr(self, k))
        body, res = self.html.from_notebook_node(nb, resources=resources)
        with tempfile.NamedTemporaryFile("w", suffix=".html", encoding="utf-8", delete=False) as f:
            f.write(body)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=self.executable, args=["--no-sandbox"])
                page = browser.new_page()
                page.emulate_media(media="print")
                page.goto(Path(f.name).as_uri(), wait_until="networkidle")
                pdf = page.pdf(print_background=True, prefer_css_page_size=True)
                browser.close()
        finally:
            Path(f.name).unlink(missing_ok=True)
        res["output_extension"] = ".pdf"
        return pdf, res


def _pdf_exporter() -> Any:
    """Chromium through playwright (its own build, else the system's), else LaTeX, else a clear error."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium_problem = "playwright is not installed"
    else:
        try:
            with sync_playwright() as p:
                p.chromium.launch().close()
            from nbconvert import WebPDFExporter

            return WebPDFExporter()
        except Exception as e:  # playwright's browser build is not installed
            chromium_problem = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        system = _system_chromium()
        if system:
            return _ChromiumPDF(system)
    if shutil.which("xelatex"):
        from nbconvert import PDFExporter

        return PDFExporter()
    raise ToolError(
        "PDF needs a renderer and none is installed. Either install Chromium (e.g. 'apt-get install chromium', "
        "with 'pip install playwright') or a TeX distribution with xelatex (e.g. 'apt-get install "
        f"texlive-xetex'). Meanwhile '--to html' gives the same report. (Chromium: {chromium_problem})",
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
