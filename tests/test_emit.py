"""The emit stage: directives, errors that name docs/ lines, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT, copy_docs
from derivations.emit import EmitError, emit, page_url, relative_url

CACHE = ROOT / ".cache" / "katex"


def _emit(formulas: dict, docs: Path, out: Path) -> dict:
    return emit(formulas, docs, out, CACHE, "test")


def test_urls() -> None:
    """Directory URLs and relative links between pages."""
    assert page_url("index.md") == ""
    assert page_url("softmax.md") == "softmax/"
    assert relative_url("softmax.md", "verification.md", "x.y") == "../verification/#x.y"
    assert relative_url("index.md", "softmax.md") == "softmax/"


def test_two_emits_are_byte_identical(formulas: dict, tmp_path: Path) -> None:
    """The same input gives byte-identical Markdown and formulas.json."""
    first, second = tmp_path / "one", tmp_path / "two"
    _emit(formulas, ROOT / "docs", first)
    _emit(formulas, ROOT / "docs", second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file() and p.suffix in {".md", ".json", ".svg", ".tex", ".bib"})
    assert files
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_formulas_json_fields(formulas: dict, tmp_path: Path) -> None:
    """formulas.json lists every formula with the promised fields."""
    _emit(formulas, ROOT / "docs", tmp_path / "out")
    records = json.loads((tmp_path / "out" / "formulas.json").read_text())
    assert {r["id"] for r in records} == set(formulas)
    for record in records:
        assert {"id", "title", "page", "latex", "sympy", "checks", "status", "steps", "hash"} <= set(record)
        assert record["page"].endswith("#" + record["id"])
        assert record["status"] in {"definition", "derived", "postulate", "value"}
        for check in record["checks"]:
            assert {"kind", "points", "max_error", "passed"} <= set(check)
        for step in record["steps"]:
            assert step["anchor"].startswith(record["id"] + ".step-")


def test_latex_on_page_is_the_checked_object(formulas: dict, tmp_path: Path) -> None:
    """The TeX annotation in the page equals the latex of formulas.json."""
    import html

    _emit(formulas, ROOT / "docs", tmp_path / "out")
    records = {r["id"]: r for r in json.loads((tmp_path / "out" / "formulas.json").read_text())}
    page = (tmp_path / "out" / "softmax.md").read_text()
    tex = records["softmax.ce_grad"]["latex"]
    encoded = "".join(f"&#{ord(ch)};" if not ch.isspace() else ch for ch in tex)
    assert encoded in page or html.escape(tex) in page


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{{ derivation: softmax.no_such }}", "names no formula"),
        ("See {{ ref: softmax.no_such }} here.", "names no formula"),
        ("{{ figure: no_such_plot }}", "unknown figure"),
        ("{{ wibble: x }}", "not a block directive"),
        ("{{ derivation: softmax.ce_grad }}", "already placed"),
    ],
)
def test_errors_name_the_docs_file_and_line(formulas: dict, tmp_path: Path, line: str, message: str) -> None:
    """A bad directive fails with the docs/ file and line and says what to do."""
    docs = copy_docs(tmp_path / "docs")
    page = docs / "softmax.md"
    lines = page.read_text().splitlines()
    lines.insert(3, line)
    page.write_text("\n".join(lines) + "\n")
    with pytest.raises(EmitError) as raised:
        _emit(formulas, docs, tmp_path / "out")
    assert "docs/softmax.md:4" in str(raised.value)
    assert message in str(raised.value)


def test_unplaced_formula_is_an_error(formulas: dict, tmp_path: Path) -> None:
    """A derived formula that no page places fails the build, naming the page to fix."""
    docs = copy_docs(tmp_path / "docs")
    page = docs / "softmax.md"
    page.write_text(page.read_text().replace("{{ derivation: softmax.two_class }}", ""))
    with pytest.raises(EmitError, match=r"softmax.two_class: add \{\{ derivation: softmax.two_class \}\} to docs/softmax.md"):
        _emit(formulas, docs, tmp_path / "out")


def test_math_passes_through_markdown(formulas: dict, tmp_path: Path) -> None:
    """Underscores, asterisks, bars and backslashes in prose math survive Markdown."""
    import markdown

    docs = copy_docs(tmp_path / "docs")
    page = docs / "notation.md"
    page.write_text(page.read_text() + "\n| a | b |\n|---|---|\n| $|x|_1 * y_k$ | $a \\\\ b$ |\n\nAnd $x_1 * x_2 * y_k$ inline.\n")
    _emit(formulas, docs, tmp_path / "out")
    rendered = markdown.markdown((tmp_path / "out" / "notation.md").read_text(), extensions=["tables", "md_in_html"])
    assert "<em>" not in rendered
    assert rendered.count('class="katex"') >= 3
