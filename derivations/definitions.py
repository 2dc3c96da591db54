"""The definitions every derivation starts from, and the symbols of the pages.

A definition is stated once here, as SymPy, and nothing else in the project
knows its closed form.  In particular the sigmoid is a SymPy ``Function`` with
no derivative attached: its derivative has to be derived from the exponential
form, which makes ``sigmoid.derivative`` a real result rather than a tautology.

>>> from derivations.definitions import sigma, expand_definitions, z
>>> expand_definitions(sigma(z))
1/(1 + exp(-z))
"""

from __future__ import annotations

import sympy as sp


class sigma(sp.Function):  # noqa: N801 - the page writes it lower case
    """The logistic sigmoid σ(z), defined as 1 / (1 + e^{-z}).

    Deliberately declares no ``fdiff``: SymPy knows nothing about σ except
    the definition that :func:`expand_definitions` substitutes.
    """

    nargs = 1

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _eval_is_positive(self) -> bool | None:
        return True if self.args[0].is_real else None


def sigmoid_definition(arg: sp.Expr) -> sp.Expr:
    """The closed form of σ(arg)."""
    return 1 / (1 + sp.exp(-arg))


def expand_definitions(expr: sp.Basic) -> sp.Basic:
    """Replace every σ(·) by its exponential definition."""
    return expr.replace(sigma, sigmoid_definition)


# ---------------------------------------------------------------------------
# Symbols shared by the pages.  Scalars are real; counts and indices are
# positive integers, so that sums over 1..K are well formed.
# ---------------------------------------------------------------------------

z, t, y, b = sp.symbols("z t y b", real=True)
E = sp.Symbol("E", real=True)
C = sp.Symbol("C", real=True)

K = sp.Symbol("K", integer=True, positive=True)
J = sp.Symbol("J", integer=True, positive=True)
i, j, k, c, m, n = sp.symbols("i j k c m n", integer=True, positive=True)

a_ = sp.IndexedBase("a", real=True)
y_ = sp.IndexedBase("y", real=True)
t_ = sp.IndexedBase("t", real=True)
w_ = sp.IndexedBase("w", real=True)
x_ = sp.IndexedBase("x", real=True)


def softmax_definition(logits: sp.IndexedBase, index: sp.Expr, count: sp.Expr) -> sp.Expr:
    """y_index = e^{a_index} / Σ_m e^{a_m}, m = 1..count."""
    return sp.exp(logits[index]) / sp.Sum(sp.exp(logits[m]), (m, 1, count))


def cross_entropy_definition(targets: sp.IndexedBase, outputs: sp.IndexedBase, count: sp.Expr) -> sp.Expr:
    """E = -Σ_n t_n ln y_n, n = 1..count."""
    return -sp.Sum(targets[n] * sp.log(outputs[n]), (n, 1, count))


def binary_cross_entropy_definition(target: sp.Expr, output: sp.Expr) -> sp.Expr:
    """E = -(t ln y + (1 - t) ln(1 - y))."""
    return -(target * sp.log(output) + (1 - target) * sp.log(1 - output))


def squared_error_definition(targets: sp.IndexedBase, outputs: sp.IndexedBase, count: sp.Expr) -> sp.Expr:
    """C = ½ Σ_n (y_n - t_n)², n = 1..count."""
    return sp.Rational(1, 2) * sp.Sum((outputs[n] - targets[n]) ** 2, (n, 1, count))


def scalar_squared_error_definition(target: sp.Expr, output: sp.Expr) -> sp.Expr:
    """C = ½ (y - t)² for a single output."""
    return sp.Rational(1, 2) * (output - target) ** 2


def affine_definition(weights: sp.IndexedBase, inputs: sp.IndexedBase, bias: sp.Expr, count: sp.Expr) -> sp.Expr:
    """z = Σ_n w_n x_n + b, n = 1..count."""
    return sp.Sum(weights[n] * inputs[n], (n, 1, count)) + bias
