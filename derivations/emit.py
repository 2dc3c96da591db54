"""Write the Markdown pages the site builder reads, and formulas.json.

Prose lives in ``docs/``.  A page places results with one short syntax:

* ``{{ derivation: softmax.ce_grad }}`` on a line of its own: every step of
  the derivation, then the numbered result;
* ``{{ result: sigmoid.derivative }}`` on a line of its own: the result only;
* ``{{ ref: softmax.ce_grad }}`` inside a sentence: a link to the formula
  showing its number (and its page, when that is another page);
* ``{{ figure: NAME }}`` and ``{{ table: NAME }}`` (see :mod:`artifacts`);
* ``{{ verification }}``: the table of every formula and its checks;
* ``{{ formula_index }}``: every formula, grouped by topic (the ID's first
  part), with its number, page, rendered statement and checks.

Every displayed result carries a toolbar (copy LaTeX, MathML or link, and a
citation) driven by ``docs/assets/formula-tools.js``, and its SymPy source on
demand.  Beside the pages, ``formulas.json``, ``formulas.tex`` and
``formulas.bib`` are written into the site root (see :mod:`citing`).

``$...$`` and ``$$...$$`` in prose are notation and are rendered like the
results.  All math is rendered to HTML by KaTeX at build time, in one batch,
so pages need no script to show formulas.  Errors name the file and line in
``docs/``, never the generated copy.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import logging
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sympy as sp

from derivations import artifacts, citing, mathrender
from derivations.core import RELATIONS, STATUSES, Formula, Step
from derivations.printing import RELATION_SYMBOLS, latex

logger = logging.getLogger(__name__)

DIRECTIVE = re.compile(r"\{\{\s*(?P<kind>[a-z_]+)\s*(?::\s*(?P<name>[^}\s]+)\s*)?\}\}")
BLOCK_KINDS = {"derivation", "result", "figure", "table", "verification", "formula_index"}
INLINE_KINDS = {"ref"}
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)")
FENCE = re.compile(r"^\s*(```|~~~)")
PLACEHOLDER = "\x00math{}\x00"
PLACEHOLDER_RE = re.compile("\x00math(\\d+)\x00")


class EmitError(Exception):
    """A page could not be written; names the docs/ file and line."""


@dataclass
class Page:
    """One prose page on its way to the site."""

    source: Path
    name: str
    title: str
    lines: list[str]
    numbers: dict[str, int] = field(default_factory=dict)


@dataclass
class Emitter:
    """Collects math while pages are written, then renders it in one batch."""

    formulas: dict[str, Formula]
    docs: Path
    release: citing.Release
    items: list[mathrender.MathItem] = field(default_factory=list)
    placements: dict[str, str] = field(default_factory=dict)
    pages: dict[str, Page] = field(default_factory=dict)
    moved: list[citing.Alias] = field(default_factory=list)

    def math(self, key: str, tex: str, display: bool) -> str:
        self.items.append(mathrender.MathItem(key, tex, display))
        return PLACEHOLDER.format(len(self.items) - 1)


# ---------------------------------------------------------------------------
# URLs
# ---------------------------------------------------------------------------


def page_url(page: str) -> str:
    """The directory URL MkDocs serves ``page`` at, relative to the site root."""
    stem = page[:-3] if page.endswith(".md") else page
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def relative_url(from_page: str, to_page: str, anchor: str = "") -> str:
    """A link from one page to another (and an anchor), as raw HTML needs."""
    depth = page_url(from_page).count("/")
    target = "../" * depth + page_url(to_page)
    return (target or "./") + (f"#{anchor}" if anchor else "")


# ---------------------------------------------------------------------------
# what formulas.json says about a formula
# ---------------------------------------------------------------------------


def statement_latex(formula: Formula) -> str:
    """The LaTeX of the result, printed from the checked SymPy statement."""
    lines = [latex(eq.statement) for eq in formula.equations]
    if len(lines) == 1:
        return lines[0]
    return r"\begin{gathered}" + r" \\[4pt] ".join(lines) + r"\end{gathered}"


def content_hash(formula: Formula) -> str:
    """A short hash of the statement (LaTeX and SymPy form)."""
    text = statement_latex(formula) + "\n" + sp.srepr(formula.statement)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def formula_record(formula: Formula, release: citing.Release | None = None) -> dict[str, Any]:
    """The formulas.json entry of one formula.

    With a ``release``, the record also names the site ``version`` and its
    ``date``: each record is then a complete citation on its own, and
    formulas.json stays a list.
    """
    checks = [result.as_json() for result in formula.checks]
    steps = []
    for equation in formula.equations:
        for step in equation.steps:
            line = step_statement(equation.lhs, step)
            steps.append({
                "anchor": step.anchor,
                "latex": latex(line),
                "because": step.because,
                "sympy": sp.srepr(line),
                "checks": [c for c in checks if c["target"] == step.anchor],
            })
    return {
        "id": formula.id,
        "title": formula.title,
        "page": page_url(formula.page) + "#" + formula.id,
        "latex": statement_latex(formula),
        "sympy": sp.srepr(formula.statement),
        "conditions": [latex(condition.statement) for condition in formula.conditions],
        "status": formula.status,
        "status_meaning": STATUSES[formula.status],
        "needs": formula.needs,
        "hash": content_hash(formula),
        "source": formula.source,
        "checks": checks,
        "steps": steps,
    } | ({"version": release.version, "date": release.date} if release else {})


# ---------------------------------------------------------------------------
# blocks
# ---------------------------------------------------------------------------


def _outside_search(fragment: str) -> str:
    """Keep a rendered formula out of the search index.

    KaTeX's HTML holds each formula three times (glyphs, MathML, TeX) with no
    spaces between; indexed, it glues to the neighbouring words, so a word
    next to a formula cannot be found.  Material's search skips an element
    marked ``data-search-exclude`` until the next closing tag *of the same
    name*, so the mark goes on a wrapper whose tag KaTeX never uses,
    ``<ce-tex>``, styled ``display: contents`` so that layout is unchanged.
    """
    return f"<ce-tex data-search-exclude>{fragment}</ce-tex>"


def step_statement(lhs: sp.Expr, step: Step) -> sp.Basic:
    """One line of a derivation as the relation it states, ``lhs = rhs`` or ``lhs ≤ rhs``."""
    return RELATIONS[step.relation](lhs, step.rhs, evaluate=False)


REF_SENTINEL = re.compile("\x01(\\d+)\x01")


def _prose(emitter: Emitter, key: str, text: str, page: Page | None = None) -> str:
    """Short prose (a step's reason, a caption) as HTML: $...$ math rendered,
    and, on a page, ``{{ ref: ID }}`` turned into a link to the formula."""
    links: list[str] = []

    def ref(match: re.Match[str]) -> str:
        if match.group("kind") != "ref" or page is None:
            raise EmitError(f"{key}: only {{{{ ref: ID }}}} may stand in this text, and only on a page; found {match.group(0)}")
        links.append(_ref_html(emitter, page, match.group("name"), key))
        return f"\x01{len(links) - 1}\x01"

    text = DIRECTIVE.sub(ref, text)
    out = []
    position = 0
    for match in INLINE_MATH.finditer(text):
        out.append(html.escape(text[position:match.start()]))
        out.append(emitter.math(key, match.group(1), display=False))
        position = match.end()
    out.append(html.escape(text[position:]))
    return REF_SENTINEL.sub(lambda m: links[int(m.group(1))], "".join(out))


def _checks_summary(formula: Formula) -> str:
    if not formula.checks:
        return "not checked: " + STATUSES[formula.status].split(":")[0]
    symbolic = sum(1 for c in formula.checks if c.kind.startswith("symbolic"))
    numeric = [c for c in formula.checks if c.kind == "numeric"]
    points = max((c.points for c in numeric), default=0)
    return f"{symbolic} symbolic and {len(numeric)} numeric checks passed, {points} points each"


def result_block(emitter: Emitter, page: Page, formula: Formula) -> str:
    number = page.numbers.setdefault(formula.id, len(page.numbers) + 1)
    math = emitter.math(formula.id, statement_latex(formula), display=True)
    conditions = ""
    if formula.conditions:
        shown = ", ".join(emitter.math(formula.id, latex(c.statement), display=False) for c in formula.conditions)
        conditions = f'<span class="ce-conditions">for {shown}</span> · '
    checks_link = relative_url(page.name, "verification.md", formula.id)
    return (
        f'<div class="ce-formula" id="{formula.id}" data-formula="{formula.id}" data-status="{formula.status}">'
        f'<div class="ce-formula-body"><div class="ce-math">{math}</div>'
        f'<span class="ce-number">({number})</span></div>'
        f'<div class="ce-meta"><strong>{html.escape(formula.title)}</strong> · {conditions}'
        f'<code class="ce-id">{formula.id}</code> · '
        f'<a class="ce-checks" href="{checks_link}">{html.escape(_checks_summary(formula))}</a></div>'
        f'{mathrender.protect_for_markdown(_tools(emitter, formula))}</div>'
    )


def _attribute(value: str) -> str:
    """An attribute value on one line (Markdown ends raw HTML at a blank line); the browser decodes it back."""
    return html.escape(value, quote=True).replace("\n", "&#10;")


def _tools(emitter: Emitter, formula: Formula) -> str:
    """The toolbar of a result: copy LaTeX, MathML and link, cite, and the SymPy source.

    The LaTeX and the citation texts travel in data attributes (the search
    index ignores attributes); formula-tools.js reads them, puts the page's
    own address where the citations say ``@@URL@@``, and copies.  The
    toolbar, citation and source are kept out of the search index
    (``data-search-exclude``, read by Material's search plugin).
    """
    record = {"id": formula.id, "title": formula.title, "hash": content_hash(formula), "page": page_url(formula.page) + "#" + formula.id}
    fid = formula.id
    buttons = [
        ("latex", f"Copy the LaTeX of formula {fid}", "Copy LaTeX"),
        ("mathml", f"Copy the MathML of formula {fid} (pastes into Word as an equation)", "Copy MathML"),
        ("link", f"Copy a link to formula {fid}", "Copy link"),
    ]
    parts = [f'<button type="button" class="ce-tool" data-action="{action}" aria-label="{label}">{text}</button>'
             for action, label, text in buttons]
    parts.append(f'<button type="button" class="ce-tool" data-action="cite" aria-expanded="false" aria-controls="{fid}.cite" '
                 f'aria-label="Show how to cite formula {fid}">Cite</button>')
    parts.append('<span class="ce-tool-status" role="status" aria-live="polite"></span>')
    toolbar = (
        f'<div class="ce-tools" role="toolbar" aria-label="Formula {fid}" data-search-exclude data-latex="{_attribute(statement_latex(formula))}" '
        f'data-bibtex="{_attribute(citing.bibtex_entry(record, emitter.release))}" '
        f'data-citation="{_attribute(citing.plain_citation(record, emitter.release))}">'
        + "".join(parts) + "</div>"
    )
    cite = (f'<div class="ce-cite" id="{fid}.cite" hidden data-search-exclude><p class="ce-cite-text"></p>'
            f'<pre class="ce-cite-bibtex"><code></code></pre></div>')
    source = (f'<details class="ce-source" data-search-exclude><summary>SymPy source</summary><p>Derived in '
              f'<code>{html.escape(formula.source)}</code>; the checked SymPy object:</p>'
              f'<pre><code>{html.escape(sp.srepr(formula.statement))}</code></pre></details>')
    return toolbar + cite + source


def derivation_block(emitter: Emitter, page: Page, formula: Formula) -> str:
    rows = []
    for equation in formula.equations:
        for position, step in enumerate(equation.steps):
            if position == 0:
                tex = latex(step_statement(equation.lhs, step))
            else:
                tex = RELATION_SYMBOLS[step.relation] + " " + latex(step.rhs)
            css = "ce-step ce-first" if position == 0 else "ce-step"
            rows.append(
                f'<div class="{css}" id="{step.anchor}"><div class="ce-math">'
                f'{emitter.math(step.anchor, tex, display=True)}</div>'
                f' <div class="ce-because">{_prose(emitter, step.anchor, step.because, page)}</div></div>'
            )
    # Spaces between the blocks keep their words apart in the search index.
    steps = " ".join(rows)
    return f'<div class="ce-derivation" data-formula="{formula.id}">{steps}</div>\n\n' + result_block(emitter, page, formula)


def verification_block(emitter: Emitter, page: Page) -> str:
    rows = ["| Formula | Status | Check | Target | Points | Largest error | Passed |", "|---|---|---|---|---|---|---|"]
    for formula in sorted(emitter.formulas.values(), key=lambda f: f.id):
        link = f"[`{formula.id}`]({formula.page}#{formula.id})"
        anchor = f'<span id="{formula.id}"></span>'
        if not formula.checks:
            rows.append(f"| {anchor}{link} | {formula.status} | none | — | — | — | — |")
            continue
        for n, check in enumerate(formula.checks):
            first = f"{anchor}{link}" if n == 0 else ""
            status = formula.status if n == 0 else ""
            error = "—" if check.kind != "numeric" else f"{check.max_error:.1e}"
            points = str(check.points) if check.points else "—"
            rows.append(f"| {first} | {status} | {check.kind} | `{check.target}` | {points} | {error} | {'yes' if check.passed else 'NO'} |")
    return "\n".join(rows)


def formula_index_block(emitter: Emitter, pages: dict[str, Page], page: Page) -> str:
    """Every formula, in one section per topic (the first part of its ID), in ID order."""
    topics: dict[str, list[Formula]] = {}
    for formula in sorted(emitter.formulas.values(), key=lambda f: f.id):
        topics.setdefault(formula.id.split(".")[0], []).append(formula)
    out = []
    for topic, members in topics.items():
        out.append(f"## {topic}\n")
        out.append("| ID | Formula | Where | Checks |")
        out.append("|---|---|---|---|")
        for formula in members:
            home = pages[formula.page]
            where = f"[({home.numbers[formula.id]}) {html.escape(formula.title)}]({_relative_md(page.name, formula.page)}#{formula.id}), *{home.title}*"
            checks = f"[{_checks_summary(formula)}]({_relative_md(page.name, 'verification.md')}#{formula.id})"
            math = emitter.math(formula.id, statement_latex(formula), display=False)
            out.append(f"| `{formula.id}` | {math} | {where} | {checks} |")
        out.append("")
    return "\n".join(out)


def moved_notes(emitter: Emitter, pages: dict[str, Page], page: Page) -> str:
    """Anchors for published IDs that left this page (derivations/aliases.json), each leading to the new place."""
    notes = []
    for alias in emitter.moved:
        if alias.old_page != page.name:
            continue
        target = emitter.formulas[alias.to]
        home = pages[target.page]
        href = relative_url(page.name, target.page, target.id)
        notes.append(f'<p class="ce-moved" id="{alias.old}">Formula <code>{alias.old}</code> is now '
                     f'<a href="{href}">({home.numbers[target.id]}) <code>{target.id}</code> in <em>{html.escape(home.title)}</em></a>: '
                     f'{html.escape(alias.reason)}</p>')
    return "\n\n".join(notes)


def figure_block(emitter: Emitter, page: Page, name: str, out: Path, where: str) -> str:
    if name not in artifacts.FIGURES:
        raise EmitError(f"{where}: unknown figure {name!r}; registered: {', '.join(sorted(artifacts.FIGURES)) or 'none'}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    artifact = artifacts.FIGURES[name]
    fig = artifact.function(emitter.formulas)
    target = out / "figures" / f"{name}.svg"
    target.parent.mkdir(parents=True, exist_ok=True)
    matplotlib.rcParams["svg.hashsalt"] = name
    fig.savefig(target, format="svg", transparent=True, metadata={"Date": None, "Creator": None})
    plt.close(fig)
    src = "../" * page_url(page.name).count("/") + f"figures/{name}.svg"
    caption = f"<figcaption>{_prose(emitter, name, artifact.caption)}</figcaption>" if artifact.caption else ""
    return f'<figure class="ce-figure" id="figure-{name}"><img src="{src}" alt="{html.escape(artifact.alt)}">{caption}</figure>'


def table_block(emitter: Emitter, name: str, where: str) -> str:
    if name not in artifacts.TABLES:
        raise EmitError(f"{where}: unknown table {name!r}; registered: {', '.join(sorted(artifacts.TABLES)) or 'none'}")
    return str(artifacts.TABLES[name].function(emitter.formulas))


# ---------------------------------------------------------------------------
# pages
# ---------------------------------------------------------------------------


def _title(lines: list[str], source: Path) -> str:
    for line in lines:
        if line.startswith("# "):
            return line[2:].strip()
    raise EmitError(f"{source}:1: the page has no '# Title' line")


def load_pages(docs: Path) -> list[Page]:
    pages = []
    for source in sorted(docs.rglob("*.md")):
        lines = source.read_text(encoding="utf-8").splitlines()
        pages.append(Page(source, source.relative_to(docs).as_posix(), _title(lines, source), lines))
    return pages


def _placed(emitter: Emitter, pages: dict[str, Page], formula_id: str, where: str) -> tuple[Formula, Page, int]:
    """The formula a reference names, its page and its number there."""
    if formula_id not in emitter.formulas:
        raise EmitError(f"{where}: {{{{ ref: {formula_id} }}}} names no formula; known IDs: {', '.join(sorted(emitter.formulas))}")
    formula = emitter.formulas[formula_id]
    home = pages.get(formula.page)
    number = home.numbers.get(formula_id) if home else None
    if number is None:
        raise EmitError(f"{where}: {formula_id} is not placed on its page {formula.page}")
    return formula, home, number


def _ref_html(emitter: Emitter, page: Page, formula_id: str, where: str) -> str:
    """A reference inside raw HTML (a step's reason): an <a> with the number."""
    formula, home, number = _placed(emitter, emitter.pages, formula_id, where)
    label = f"({number})" if home is page else f"({number}) in <em>{html.escape(home.title)}</em>"
    return f'<a class="ce-ref" href="{relative_url(page.name, formula.page, formula_id)}">{label}</a>'


def _ref(emitter: Emitter, pages: dict[str, Page], page: Page, formula_id: str, where: str) -> str:
    formula, home, number = _placed(emitter, pages, formula_id, where)
    if formula.page == page.name:
        return f"[({number})](#{formula_id})"
    return f"[({number}) in *{home.title}*]({_relative_md(page.name, formula.page)}#{formula_id})"


def _relative_md(from_page: str, to_page: str) -> str:
    depth = from_page.count("/")
    return "../" * depth + to_page


def _number_pages(emitter: Emitter, pages: list[Page]) -> None:
    """First pass: give every placed formula its number on its page."""
    for page in pages:
        for line_number, line in enumerate(page.lines, start=1):
            match = DIRECTIVE.fullmatch(line.strip())
            if match and match.group("kind") in {"derivation", "result"}:
                formula_id = match.group("name")
                where = f"docs/{page.name}:{line_number}"
                if formula_id not in emitter.formulas:
                    raise EmitError(f"{where}: {{{{ {match.group('kind')}: {formula_id} }}}} names no formula; known IDs: {', '.join(sorted(emitter.formulas))}")
                formula = emitter.formulas[formula_id]
                if formula.page != page.name:
                    raise EmitError(f"{where}: {formula_id} belongs on {formula.page} (its @derivation page=); place it there and link here with {{{{ ref: {formula_id} }}}}")
                if formula_id in emitter.placements:
                    raise EmitError(f"{where}: {formula_id} is already placed at {emitter.placements[formula_id]}; a formula is placed once, elsewhere use {{{{ ref: {formula_id} }}}}")
                emitter.placements[formula_id] = where
                page.numbers[formula_id] = len(page.numbers) + 1
    missing = sorted(set(emitter.formulas) - set(emitter.placements))
    if missing:
        lines = [f"{fid}: add {{{{ derivation: {fid} }}}} to docs/{emitter.formulas[fid].page}" for fid in missing]
        raise EmitError("formulas derived but placed on no page:\n  " + "\n  ".join(lines))


def _prose_math(emitter: Emitter, text: str, where: str) -> str:
    text = DISPLAY_MATH.sub(lambda m: "\n\n" + emitter.math(where, m.group(1).strip(), display=True) + "\n\n", text)
    return INLINE_MATH.sub(lambda m: emitter.math(where, m.group(1), display=False), text)


def write_page(emitter: Emitter, pages: dict[str, Page], page: Page, out: Path) -> str:
    body: list[str] = []
    in_fence = False
    chunk: list[tuple[int, str]] = []

    def flush() -> None:
        if chunk:
            start = chunk[0][0]
            text = "\n".join(line for _, line in chunk)
            body.append(_prose_math(emitter, text, f"docs/{page.name}:{start}"))
            chunk.clear()

    for line_number, line in enumerate(page.lines, start=1):
        where = f"docs/{page.name}:{line_number}"
        if FENCE.match(line):
            flush()
            in_fence = not in_fence
            body.append(line)
            continue
        if in_fence:
            body.append(line)
            continue
        block = DIRECTIVE.fullmatch(line.strip())
        if block:
            kind, name = block.group("kind"), block.group("name")
            if kind not in BLOCK_KINDS:
                raise EmitError(f"{where}: {{{{ {kind} }}}} is not a block directive; use one of {sorted(BLOCK_KINDS)} on its own line, or {{{{ ref: ID }}}} inside a sentence")
            flush()
            if kind == "derivation":
                body.append(derivation_block(emitter, page, emitter.formulas[name]))
            elif kind == "result":
                body.append(result_block(emitter, page, emitter.formulas[name]))
            elif kind == "figure":
                body.append(figure_block(emitter, page, name, out, where))
            elif kind == "table":
                body.append(_prose_math(emitter, table_block(emitter, name, where), where))
            elif kind == "formula_index":
                body.append(formula_index_block(emitter, pages, page))
            else:
                body.append(verification_block(emitter, page))
            body.append("")
            continue

        def inline(match: re.Match[str]) -> str:
            kind, name = match.group("kind"), match.group("name")
            if kind not in INLINE_KINDS or not name:
                raise EmitError(f"{where}: {match.group(0)} cannot stand inside a sentence; block directives ({', '.join(sorted(BLOCK_KINDS))}) go on a line of their own")
            return _ref(emitter, pages, page, name, where)

        chunk.append((line_number, DIRECTIVE.sub(inline, line)))
    flush()
    if in_fence:
        raise EmitError(f"docs/{page.name}: a code fence is opened and never closed")
    notes = moved_notes(emitter, pages, page)
    if notes:
        body.extend(["", notes])
    return "\n".join(body) + "\n"


def emit(formulas: dict[str, Formula], docs: Path, out: Path, cache: Path, release: citing.Release | str,
         registry: citing.IdRegistry | None = None) -> dict[str, int]:
    """Write every page, the assets, formulas.json and the data files to ``out``.

    ``out`` is written from scratch (a temporary folder the caller swaps
    in).  Returns counts for the build summary.

    Args:
        formulas: the derived and checked formulas, by ID.
        docs: the prose pages.
        out: where the complete pages go.
        cache: the KaTeX cache folder.
        release: site name, version and date for citations; a bare version
            string is used with the name and date of the repository's release
            (for tests).
        registry: published IDs and aliases; by default the committed
            ``derivations/published_ids.json`` and ``aliases.json``.

    Raises:
        EmitError: a page is wrong; the message names its docs/ file and line.
        citing.CitingError: a published ID was dropped or moved without an alias.
    """
    from derivations import topics  # noqa: F401 - registers artifacts with the topics

    if isinstance(release, str):
        release = dataclasses.replace(citing.read_release(), version=release)
    emitter = Emitter(formulas, docs, release)
    pages = load_pages(docs)
    by_name = {page.name: page for page in pages}
    emitter.pages = by_name
    unknown_pages = sorted({f.page for f in formulas.values()} - set(by_name))
    if unknown_pages:
        raise EmitError("formulas name pages that docs/ does not have: " + ", ".join(unknown_pages))
    _number_pages(emitter, pages)
    registry = registry if registry is not None else citing.IdRegistry.load()
    emitter.moved = registry.check({fid: formula.page for fid, formula in formulas.items()})
    lost_pages = sorted({alias.old_page for alias in emitter.moved} - set(by_name))
    if lost_pages:
        raise citing.CitingError(f"published formulas moved away from {', '.join(lost_pages)}, which docs/ no longer has; "
                                 "keep the page (a short note is enough) so that its old anchors still lead somewhere")
    texts = {page.name: write_page(emitter, by_name, page, out) for page in pages}

    dist = mathrender.ensure_katex(cache)
    rendered = mathrender.render(emitter.items, cache)
    safe = [mathrender.protect_for_markdown(_outside_search(fragment)) for fragment in rendered]
    for name, text in texts.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(PLACEHOLDER_RE.sub(lambda m: safe[int(m.group(1))], text), encoding="utf-8")

    for source in sorted(docs.rglob("*")):
        if source.is_file() and source.suffix != ".md":
            target = out / source.relative_to(docs)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    mathrender.copy_assets(dist, out / "assets" / "katex")

    records = [formula_record(formulas[fid], release) for fid in sorted(formulas)]
    (out / "formulas.json").write_text(json.dumps(records, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "formulas.tex").write_text(citing.latex_file(records, release), encoding="utf-8")
    (out / "formulas.bib").write_text(citing.bibtex_file(records, release), encoding="utf-8")
    for path, artifact in sorted(artifacts.DATA_FILES.items()):
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(artifact.function(formulas), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return {"pages": len(pages), "math": len(emitter.items), "aliases": len(emitter.moved)}
