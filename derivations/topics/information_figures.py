"""Figures and tables of the entropy pages, computed from the derived formulas.

* ``entropy.binary_curve``: H_b(p) in bits, with its maximum.
* ``entropy.cross_kl_two_outcomes``: H(p, q), H(p) and D_KL(p ‖ q) against q
  for a fixed p, two outcomes.
* ``coding.weather_trees``: the two weather codes as binary trees.
* tables ``coding.weather_codes`` and ``coding.weather``.

Every figure has a transparent background and mid-tone colours, so that it
reads on the light and the dark theme of the site.
"""

from __future__ import annotations

import logging
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

from derivations.artifacts import figure, table  # noqa: E402
from derivations.definitions import D_KL, H, H_b, K, p_, q_  # noqa: E402
from derivations.meaning import Meaning  # noqa: E402
from derivations.printing import latex  # noqa: E402
from derivations.topics.coding import (  # noqa: E402
    CODE_A, CODE_B, OUTCOMES, WEATHER_P, WEATHER_Q, weather_quantities,
)

logger = logging.getLogger(__name__)

#: Colours that keep their contrast on white and on near-black backgrounds.
COLOURS = {"main": "#3d8fd1", "second": "#e0892b", "third": "#4caf7a", "ink": "#8c8c8c"}
#: The data distribution of the two-outcome figure: p = (P_FIXED, 1 - P_FIXED).
P_FIXED = 0.3


def _styled(ax: plt.Axes) -> None:
    """Transparent axes with grey ink."""
    ax.set_facecolor("none")
    for spine in ax.spines.values():
        spine.set_color(COLOURS["ink"])
    ax.tick_params(colors=COLOURS["ink"])
    ax.xaxis.label.set_color(COLOURS["ink"])
    ax.yaxis.label.set_color(COLOURS["ink"])
    ax.title.set_color(COLOURS["ink"])


def _figure(width: float = 6.0, height: float = 3.6) -> tuple[plt.Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=(width, height))
    fig.patch.set_alpha(0.0)
    _styled(ax)
    return fig, ax


def _legend(ax: plt.Axes) -> None:
    legend = ax.legend(frameon=False)
    for text in legend.get_texts():
        text.set_color(COLOURS["ink"])


@figure("entropy.binary_curve",
        alt="The binary entropy H_b(p) in bits against p from 0 to 1: zero at both ends, "
            "symmetric, with its maximum of 1 bit at p = 1/2.")
def binary_curve(formulas: dict[str, Any]) -> plt.Figure:
    formula = formulas["entropy.binary"]
    meaning = Meaning(formula)
    p = next(iter(formula.variables))
    grid = np.linspace(0.0, 1.0, 401)
    values = [float(meaning.evaluate(H_b(p), {p: value})) for value in grid]
    top = formula.equations[2]
    peak = float(top.claim)

    fig, ax = _figure()
    ax.plot(grid, values, color=COLOURS["main"], linewidth=2, label=f"${latex(top.lhs)}$")
    ax.axhline(peak, color=COLOURS["ink"], linestyle=":", linewidth=1)
    ax.plot([0.5], [peak], "o", color=COLOURS["second"], label="maximum: 1 bit at p = 1/2")
    ax.set_xlabel("p")
    ax.set_ylabel("bits")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.1)
    _legend(ax)
    fig.tight_layout()
    return fig


@figure("entropy.cross_kl_two_outcomes",
        alt="For two outcomes with p = (0.3, 0.7): the cross-entropy H(p, q) against q_1 is a U-shaped curve "
            "touching the flat line H(p) at q_1 = 0.3; the KL divergence is the gap between them, zero at q_1 = 0.3.")
def cross_kl_two_outcomes(formulas: dict[str, Any]) -> plt.Figure:
    formula = formulas["entropy.kl_decomposition"]
    meaning = Meaning(formula)
    data = [None, sp.Float(P_FIXED), sp.Float(1 - P_FIXED)]
    grid = np.linspace(0.01, 0.99, 197)

    def curve(expr: sp.Expr) -> list[float]:
        return [float(meaning.evaluate(expr, {K: 2, p_: data, q_: [None, value, 1 - value]})) for value in grid]

    fig, ax = _figure()
    ax.plot(grid, curve(H(p_, q_)), color=COLOURS["main"], linewidth=2, label="$H(p, q)$")
    ax.plot(grid, curve(H(p_)), color=COLOURS["ink"], linestyle="--", linewidth=1.5, label="$H(p)$")
    ax.plot(grid, curve(D_KL(p_, q_)), color=COLOURS["second"], linewidth=2,
            label=r"$D_{\mathrm{KL}}(p \,\Vert\, q)$")
    ax.axvline(P_FIXED, color=COLOURS["third"], linestyle=":", linewidth=1)
    ax.set_xlabel("$q_1$ (model probability of outcome 1)")
    ax.set_ylabel("nats")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 3)
    _legend(ax)
    fig.tight_layout()
    return fig


def _tree_positions(code: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """x, y of every node (a prefix of a codeword) of a binary code tree."""
    positions = {"": (0.0, 0.0)}
    for word in sorted({w[:length] for w in code for length in range(1, len(w) + 1)}, key=len):
        parent_x, _ = positions[word[:-1]]
        spread = 2.0 ** (-len(word)) * 5.0
        positions[word] = (parent_x + (spread if word[-1] == "1" else -spread), -len(word))
    return positions


@figure("coding.weather_trees",
        alt="Two binary code trees. Country B's code: sunny 0 (1 bit), cloudy 10 (2 bits), rain 110 and snow 111 "
            "(3 bits). Country A's code: cloudy 0 (1 bit), rain 10 (2 bits), sunny 110 and snow 111 (3 bits).")
def weather_trees(formulas: dict[str, Any]) -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 4.0))
    fig.patch.set_alpha(0.0)
    for ax, code, title in ((axes[0], CODE_B, "country B's code (built for p)"),
                            (axes[1], CODE_A, "country A's code (built for q)")):
        _styled(ax)
        positions = _tree_positions(code)
        for word, (x, y) in positions.items():
            if word:
                parent_x, parent_y = positions[word[:-1]]
                ax.plot([parent_x, x], [parent_y, y], color=COLOURS["ink"], linewidth=1.2)
                ax.text((parent_x + x) / 2, (parent_y + y) / 2, word[-1], color=COLOURS["second"],
                        ha="center", va="bottom", fontsize=9)
        for outcome, word in zip(OUTCOMES, code):
            x, y = positions[word]
            ax.plot([x], [y], "o", color=COLOURS["main"], markersize=8)
            ax.text(x, y - 0.3, f"{outcome}\n{word}\n{len(word)} bit{'s' if len(word) > 1 else ''}", color=COLOURS["ink"],
                    ha="center", va="top", fontsize=8)
        ax.plot([0], [0], "s", color=COLOURS["ink"])
        ax.set_title(title, fontsize=10)
        ax.set_xlim(-3.5, 5.0)
        ax.set_ylim(-4.8, 0.5)
        ax.axis("off")
    fig.tight_layout()
    return fig


@table("coding.weather_codes")
def weather_codes_table(formulas: dict[str, Any]) -> str:
    """The two countries' weather distributions and codes."""
    rows = ["| weather | $p$ (country B) | B's codeword | $q$ (country A) | A's codeword |",
            "|---|---|---|---|---|"]
    for outcome, p, word_b, q, word_a in zip(OUTCOMES, WEATHER_P, CODE_B, WEATHER_Q, CODE_A):
        rows.append(f"| {outcome} | ${latex(p)}$ | `{word_b}` | ${latex(q)}$ | `{word_a}` |")
    return "\n".join(rows)


#: How the weather table names each quantity, and what it means.
WEATHER_ROWS = {
    "H(p)": (r"H(p)", "B's code on B's weather: the best possible"),
    "H(q)": (r"H(q)", "A's code on A's weather: the best possible"),
    "H(p, q)": (r"H(p, q)", "A's code used on B's weather"),
    "H(q, p)": (r"H(q, p)", "B's code used on A's weather"),
    "D(p||q)": (r"D_{\mathrm{KL}}(p \,\Vert\, q)", "extra bits of A's code on B's weather"),
    "D(q||p)": (r"D_{\mathrm{KL}}(q \,\Vert\, p)", "extra bits of B's code on A's weather"),
}


@table("coding.weather")
def weather_table(formulas: dict[str, Any]) -> str:
    """Entropies, cross-entropies and divergences of the weather, exactly, ranked."""
    values = weather_quantities()
    rows = ["| quantity | bits per symbol | decimal | rank (1 = fewest bits; ties share) | meaning |", "|---|---|---|---|---|"]
    for name in WEATHER_ROWS:
        symbol, words = WEATHER_ROWS[name]
        value = values[name]
        rank = 1 + sum(1 for other in values.values() if other < value)
        rows.append(f"| ${symbol}$ | ${latex(value)}$ | {float(value):.4f} | {rank} | {words} |")
    return "\n".join(rows)
