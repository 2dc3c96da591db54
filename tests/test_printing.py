"""The printed LaTeX of every result, compared literally (TextbookPrinter)."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations.definitions import E, a_, i, j, k, sigma, t, t_, y_, z
from derivations.emit import statement_latex
from derivations.printing import latex

EXPECTED = {
    "sigmoid.definition": r"\sigma(z) = \frac{1}{1 + e^{-z}}",
    "sigmoid.derivative": r"\sigma'(z) = \sigma(z) \left(1 - \sigma(z)\right)",
    "sigmoid.bce_grad": (
        r"\begin{gathered}\frac{\partial E}{\partial z} = \sigma(z) - t \\[4pt] "
        r"\frac{\partial E}{\partial w_{j}} = x_{j} \left(\sigma(z) - t\right) \\[4pt] "
        r"\frac{\partial E}{\partial b} = \sigma(z) - t\end{gathered}"
    ),
    "sigmoid.mse_grad": (
        r"\begin{gathered}\frac{\partial C}{\partial z} = \sigma(z) \left(1 - \sigma(z)\right) \left(\sigma(z) - t\right) \\[4pt] "
        r"\frac{\partial C}{\partial w_{j}} = x_{j} \sigma(z) \left(1 - \sigma(z)\right) \left(\sigma(z) - t\right) \\[4pt] "
        r"\frac{\partial C}{\partial b} = \sigma(z) \left(1 - \sigma(z)\right) \left(\sigma(z) - t\right)\end{gathered}"
    ),
    "softmax.definition": r"y_{k} = \frac{e^{a_{k}}}{\sum_{m=1}^{K} e^{a_{m}}}",
    "softmax.jacobian": r"\frac{\partial y_{i}}{\partial a_{j}} = y_{i} \left(\delta_{ij} - y_{j}\right)",
    "softmax.ce_grad": r"\frac{\partial E}{\partial a_{k}} = y_{k} - t_{k}",
    "softmax.mse_grad": (
        r"\frac{\partial C}{\partial a_{k}} = \sum_{i=1}^{K} y_{i} \left(y_{i} - t_{i}\right) \left(\delta_{ik} - y_{k}\right)"
    ),
    "softmax.two_class": r"\begin{gathered}y_{1} = \sigma(a_{1} - a_{2}) \\[4pt] y_{2} = \sigma(a_{2} - a_{1})\end{gathered}",
    "cross_entropy.one_hot": r"E = -\ln y_{c}",
}


@pytest.mark.parametrize("formula_id", sorted(EXPECTED))
def test_result_latex(formulas: dict, formula_id: str) -> None:
    """Each result prints exactly as a textbook writes it."""
    assert statement_latex(formulas[formula_id]) == EXPECTED[formula_id]


def test_every_pipeline_result_has_an_expectation(formulas: dict) -> None:
    """No result of the pipeline pages escapes the literal comparison."""
    pipeline = {fid for fid in formulas if fid.split(".")[0] in {"sigmoid", "softmax", "cross_entropy"}}
    core = {fid for fid in pipeline if fid in EXPECTED}
    assert core == set(EXPECTED)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (sigma(z) - t, r"\sigma(z) - t"),
        (sp.Derivative(sigma(z), z), r"\sigma'(z)"),
        (sp.Derivative(E, a_[k]), r"\frac{\partial E}{\partial a_{k}}"),
        (sp.KroneckerDelta(i, j), r"\delta_{ij}"),
        (-t * sp.log(y_[k]), r"-t \ln y_{k}"),
        (y_[k] - t_[k], r"y_{k} - t_{k}"),
        (1 / (1 + sp.exp(-z)), r"\frac{1}{1 + e^{-z}}"),
    ],
)
def test_notation(expr: sp.Expr, expected: str) -> None:
    """Single notations: σ(z), primes, partials, δ_ij, ln, term order."""
    assert latex(expr) == expected
