"""``GET /api/nbconvert``: the export formats JupyterLab's "Save and Export As" menu offers.

Read from nbconvert's exporter entry points without importing nbconvert (tens of MB the server
does not otherwise need); mimetypes for the built-in exporters are known.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from fastapi import APIRouter
from starlette.responses import Response

from folio.server.responses import json_response

router = APIRouter(tags=["nbconvert"])

_MIMETYPES = {
    "asciidoc": "text/asciidoc", "custom": "", "html": "text/html", "latex": "text/latex",
    "markdown": "text/markdown", "notebook": "application/json", "pdf": "application/pdf",
    "python": "text/x-python", "qtpdf": "application/pdf", "qtpng": "image/png", "rst": "text/restructuredtext",
    "script": "text/plain", "slides": "text/html", "webpdf": "application/pdf",
}


@router.get("/api/nbconvert")
async def exporters() -> Response:
    names = sorted({ep.name for ep in entry_points(group="nbconvert.exporters")})
    return json_response({n: {"output_mimetype": _MIMETYPES.get(n, ""), "export_from_notebook": None}
                          for n in names})
