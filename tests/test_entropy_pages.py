"""The entropy pages place only registered results, and their tables and figures are right."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from derivations.artifacts import FIGURES, TABLES
from derivations.core import SPECS, derive_all, load_topics
from derivations.topics.coding import CODE_A, CODE_B, WEATHER_P, WEATHER_Q, weather_quantities

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = ("thermodynamic-entropy.md", "information-entropy.md", "cross-entropy-kl.md", "maxwell-landauer.md")
DIRECTIVE = re.compile(r"\{\{\s*(derivation|result|figure|table|ref):\s*([\w.]+)\s*\}\}")
INLINE_MATH = re.compile(r"(?<!\$)\$(?!\$)(.+?)(?<!\$)\$(?!\$)")
REFERENCE_LINK = re.compile(r"\(references\.md#([\w-]+)\)")
#: Weather numbers in bits, computed here with numpy from the probabilities
#: (an independent reference for the SymPy values in the table).
TOLERANCE = 1e-12


def _directives(page: str) -> list[tuple[str, str]]:
    return DIRECTIVE.findall((DOCS / page).read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", PAGES)
def test_directives_name_registered_things(page: str) -> None:
    """Every directive names a registered formula, figure or table; block results belong to the page."""
    load_topics()
    for kind, name in _directives(page):
        if kind in {"derivation", "result", "ref"}:
            assert name in SPECS, f"{page}: unknown formula {name}"
            if kind != "ref":
                assert SPECS[name].page == page, f"{page} places {name}, which belongs to {SPECS[name].page}"
        elif kind == "figure":
            assert name in FIGURES, f"{page}: unknown figure {name}"
        else:
            assert name in TABLES, f"{page}: unknown table {name}"


def test_every_issue_formula_is_placed() -> None:
    """Each formula of these topics appears in a block directive on its own page."""
    load_topics()
    placed = {name for page in PAGES for kind, name in _directives(page) if kind in {"derivation", "result"}}
    mine = {formula_id for formula_id in SPECS if formula_id.split(".")[0] in {"entropy", "coding", "thermo"}}
    assert mine <= placed, sorted(mine - placed)


@pytest.mark.parametrize("page", PAGES + ("references.md",))
def test_prose_math_is_ascii(page: str) -> None:
    """KaTeX runs in strict mode: prose math holds no unicode letters."""
    text = (DOCS / page).read_text(encoding="utf-8")
    for math in INLINE_MATH.findall(text) + re.findall(r"\$\$(.+?)\$\$", text, re.S):
        assert math.isascii(), f"{page}: non-ASCII math {math!r}"
    assert not re.search(r"\\log(?!_2)", text), f"{page}: an unmarked \\log"


@pytest.mark.parametrize("page", PAGES)
def test_reference_links_have_anchors(page: str) -> None:
    """Every citation links to an anchor that references.md defines."""
    anchors = set(re.findall(r'<a id="([\w-]+)"></a>', (DOCS / "references.md").read_text(encoding="utf-8")))
    for anchor in REFERENCE_LINK.findall((DOCS / page).read_text(encoding="utf-8")):
        assert anchor in anchors, f"{page}: no anchor {anchor} in references.md"


def test_weather_values_against_numpy() -> None:
    """Entropies, cross-entropies and divergences of the weather match a float computation."""
    p = np.array([float(v) for v in WEATHER_P])
    q = np.array([float(v) for v in WEATHER_Q])
    expected = {
        "H(p)": -np.sum(p * np.log2(p)), "H(q)": -np.sum(q * np.log2(q)),
        "H(p, q)": -np.sum(p * np.log2(q)), "H(q, p)": -np.sum(q * np.log2(p)),
        "D(p||q)": np.sum(p * np.log2(p / q)), "D(q||p)": np.sum(q * np.log2(q / p)),
    }
    values = weather_quantities()
    for name, value in expected.items():
        assert abs(float(values[name]) - value) < TOLERANCE, name
        assert values[name].is_Rational, f"{name} should be exact: {values[name]}"


def test_weather_codes_are_prefix_codes_of_the_right_lengths() -> None:
    """Both codes are prefix-free, and A's lengths are -log2 q exactly."""
    for code in (CODE_A, CODE_B):
        assert not any(a != b and b.startswith(a) for a in code for b in code)
    assert [len(w) for w in CODE_A] == [int(-np.log2(float(v))) for v in WEATHER_Q]
    assert [len(w) for w in CODE_B] == [int(-np.log2(float(v))) for v in WEATHER_P]


def test_weather_table_ranks_and_math() -> None:
    """The table lists the six quantities with exact values and shared ranks for ties."""
    formulas = derive_all(["coding.kraft"])
    table = TABLES["coding.weather"].function(formulas)
    rows = [line for line in table.splitlines() if line.startswith("| $")]
    assert len(rows) == 6
    assert r"| $H(p)$ | $\frac{7}{4}$ | 1.7500 | 3 |" in table
    assert r"| $H(q)$ | $\frac{7}{4}$ | 1.7500 | 3 |" in table
    assert r"$D_{\mathrm{KL}}(q \,\Vert\, p)$ | $\frac{1}{2}$ | 0.5000 | 1 |" in table
    assert "\\|" not in table.replace("| ", "").replace(" |", "")


@pytest.mark.parametrize("name", ["entropy.binary_curve", "entropy.cross_kl_two_outcomes", "coding.weather_trees"])
def test_figures_are_transparent(name: str) -> None:
    """Figures read on light and dark themes: transparent figure and axes."""
    formulas = derive_all(["entropy.binary", "entropy.kl_decomposition"])
    fig = FIGURES[name].function(formulas)
    assert fig.patch.get_alpha() == 0.0
    assert all(ax.get_facecolor()[3] == 0.0 for ax in fig.axes)
    assert FIGURES[name].alt
