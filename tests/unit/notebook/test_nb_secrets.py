"""folio.notebook.secrets: detection in sources, stream and HTML outputs; skips images; pragma; baseline."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from folio.notebook import secrets as S

AWS = "AKIAIOSFODNN7EXAMPLE"  # pragma: allowlist secret
GH = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"  # pragma: allowlist secret
STRIPE = "sk_live_" + "51HxYzAbCdEfGhIjKlMnOpQr"  # pragma: allowlist secret


def planted(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    c1 = nbformat.v4.new_code_cell(f'x = 1\naws_key = "{AWS}"')
    c2 = nbformat.v4.new_code_cell("print(tok)")
    c2.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"token is {GH}\n")]
    c3 = nbformat.v4.new_code_cell("show()")
    c3.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": f"<b>{STRIPE}</b>",
        "image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    })]
    c4 = nbformat.v4.new_code_cell('ok = "AKIAZZZZZZZZZZZZZZZZ"  # pragma: allowlist secret')
    nb.cells = [c1, c2, c3, c4]
    p = tmp_path / "keys.ipynb"
    nbformat.write(nb, p)
    return p


def test_finds_keys_in_source_stream_and_html_with_cell_positions(tmp_path: Path) -> None:
    p = planted(tmp_path)
    findings, problems = S.scan_paths([p])
    assert problems == []
    where = {(f.cell, f.part.split(" (")[0], f.line, f.kind) for f in findings}
    assert (1, "source", 2, "AWS Access Key") in where
    assert (2, "output 1", 1, "GitHub Token") in where
    assert (3, "output 1", 1, "Stripe Access Key") in where
    assert all(f.cell != 4 for f in findings)  # the pragma line
    assert len(findings) == 3  # the base64 image is not reported as high entropy
    for f in findings:
        assert AWS not in f.snippet and GH not in f.snippet and STRIPE not in f.snippet
    raw = p.read_text().splitlines()
    aws = next(f for f in findings if f.kind == "AWS Access Key")
    assert AWS in raw[aws.file_line - 1]


def test_baseline_accepts_known_secrets_only(tmp_path: Path) -> None:
    p = planted(tmp_path)
    findings, _ = S.scan_paths([p])
    base = tmp_path / "baseline.json"
    base.write_text(json.dumps(S.baseline_document([f for f in findings if f.kind == "AWS Access Key"])))
    known = S.load_baseline(base)
    assert [f.kind for f in findings if f.hashed_secret not in known] == ["GitHub Token", "Stripe Access Key"]


def test_plain_files_and_extra_detectors(tmp_path: Path) -> None:
    (tmp_path / "settings.env").write_text(
        "DATABASE_URL=postgres://app:Sup3rS3cretPw@db:5432/x\n"  # pragma: allowlist secret
        "GOOGLE=AIzaSyA1234567890abcdefghijklmnopqrstuv\n"  # pragma: allowlist secret
        "-----BEGIN RSA PRIVATE KEY-----\n"  # pragma: allowlist secret
    )
    (tmp_path / "image.bin").write_bytes(b"\0\1\2" + AWS.encode())
    findings, _ = S.scan_paths([tmp_path])
    kinds = {(f.line, f.kind) for f in findings if f.path.endswith("settings.env")}
    assert any(line == 1 for line, _ in kinds)
    assert (2, "Google API Key") in kinds
    assert (3, "Private Key") in kinds
    assert not any(f.path.endswith("image.bin") for f in findings)


def test_sarif_shape(tmp_path: Path) -> None:
    findings, _ = S.scan_paths([planted(tmp_path)])
    sarif = S.to_sarif(findings)
    results = sarif["runs"][0]["results"]
    assert sarif["version"] == "2.1.0" and len(results) == 3
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] > 0


def test_passwords_in_assignments_and_connection_strings_and_high_entropy(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        'db_password = "Tr0ub4dor&3xyz"\n'  # pragma: allowlist secret
        'conn = "Server=db;Database=x;User Id=sa;Password=Qw3rty!Secret;"\n'  # pragma: allowlist secret
        'blob = "' + "Zm9vYmFyYmF6cXV4" + 'Q2xhdWRlSXNIZWxwZnVs' + 'VGhpc0lzSGlnaEVudHJvcHk="\n'
        "n_rows = 10\n")]
    p = tmp_path / "pw.ipynb"
    nbformat.write(nb, p)
    findings, _ = S.scan_paths([p])
    by_line = {f.line: f.kind for f in findings}
    assert by_line.get(1) == "Secret Keyword"
    assert 2 in by_line
    assert by_line.get(3) == "Base64 High Entropy String"
    assert 4 not in by_line


def test_base64_images_inside_html_outputs_are_not_secrets(tmp_path: Path) -> None:
    import base64
    import random

    rnd = random.Random(4)
    blob = base64.b64encode(bytes(rnd.randrange(256) for _ in range(3000))).decode()
    blob = blob[:400] + AWS + blob[400:]  # key-shaped by chance, as in the fonts and images of real outputs
    nb = nbformat.v4.new_notebook()
    c = nbformat.v4.new_code_cell("show()")
    c.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": f'<img src="data:image/png;base64,{blob}"/>', "text/plain": "<img>"})]
    nb.cells = [c]
    nbformat.write(nb, tmp_path / "img.ipynb")
    assert S.scan_paths([tmp_path / "img.ipynb"])[0] == []
