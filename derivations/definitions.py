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


class log2(sp.Function):  # noqa: N801 - the page writes log_2
    """The base-2 logarithm, kept whole so that pages in bits print ``log_2``.

    Its definition, ln x / ln 2, is substituted by :func:`expand_definitions`.
    """

    nargs = 1


class longest(sp.Function):  # noqa: N801 - printed as a symbol of the page
    """ℓ_max: the largest entry ℓ_1..ℓ_K of a vector of code lengths.

    ``longest(ell, K)`` has no closed form in SymPy; the numeric checks take
    the maximum of the sampled lengths (see meaning.MPMATH_FUNCTIONS).
    """

    nargs = 2

    def _eval_is_integer(self) -> bool:
        return True

    def _eval_is_positive(self) -> bool:
        return True


class H(sp.Function):  # noqa: N801 - the page's letter
    """Entropy H(p) (one argument) or cross-entropy H(p, q), in nats.

    A page symbol only: its meaning is bound by each derivation with
    ``d.where(H(p_), entropy_definition(p_, K))``.
    """

    nargs = (1, 2)


class H_bits(sp.Function):  # noqa: N801
    """Entropy in bits, H_2(p); bound like :class:`H`."""

    nargs = (1, 2)


class H_b(sp.Function):  # noqa: N801
    """The binary entropy function H_b(p), in bits."""

    nargs = 1


class D_KL(sp.Function):  # noqa: N801
    """The Kullback-Leibler divergence D_KL(p ‖ q), in nats; bound like :class:`H`."""

    nargs = 2


def log2_definition(arg: sp.Expr) -> sp.Expr:
    """log_2 x = ln x / ln 2."""
    return sp.log(arg) / sp.log(2)


def expand_definitions(expr: sp.Basic) -> sp.Basic:
    """Replace every σ(·) by its exponential definition, log_2 by ln / ln 2."""
    expr = expr.replace(sigma, sigmoid_definition)
    if expr.has(log2):
        expr = expr.replace(log2, log2_definition)
    return expr


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


# ---------------------------------------------------------------------------
# Entropy, cross-entropy and divergence of distributions p, q over 1..count.
# A term 0 ln 0 is 0 (the limit of x ln x as x -> 0); the numeric checks
# apply that convention (meaning.zero_log_convention).
# ---------------------------------------------------------------------------

p_ = sp.IndexedBase("p", real=True)
q_ = sp.IndexedBase("q", real=True)
ell_ = sp.IndexedBase(r"\ell", real=True)


def entropy_definition(dist: sp.IndexedBase, count: sp.Expr) -> sp.Expr:
    """H(p) = -Σ_n p_n ln p_n, in nats."""
    return -sp.Sum(dist[n] * sp.log(dist[n]), (n, 1, count))


def distribution_cross_entropy_definition(data: sp.IndexedBase, model: sp.IndexedBase, count: sp.Expr) -> sp.Expr:
    """H(p, q) = -Σ_n p_n ln q_n, in nats: data p, model q."""
    return -sp.Sum(data[n] * sp.log(model[n]), (n, 1, count))


def kl_definition(data: sp.IndexedBase, model: sp.IndexedBase, count: sp.Expr) -> sp.Expr:
    """D_KL(p ‖ q) = Σ_n p_n ln(p_n / q_n), in nats."""
    return sp.Sum(data[n] * sp.log(data[n] / model[n]), (n, 1, count))


def binary_entropy_definition(prob: sp.Expr) -> sp.Expr:
    """H_b(p) = -p log_2 p - (1 - p) log_2(1 - p), in bits."""
    return -prob * log2(prob) - (1 - prob) * log2(1 - prob)


def average_length_definition(dist: sp.IndexedBase, lengths: sp.IndexedBase, count: sp.Expr) -> sp.Expr:
    """L = Σ_n p_n ℓ_n: the expected number of bits per symbol."""
    return sp.Sum(dist[n] * lengths[n], (n, 1, count))


def kraft_sum_definition(lengths: sp.IndexedBase, count: sp.Expr) -> sp.Expr:
    """Σ_n 2^{-ℓ_n}."""
    return sp.Sum(sp.Integer(2) ** (-lengths[n]), (n, 1, count))
