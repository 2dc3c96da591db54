"""Why a sigmoid neuron learns slowly with squared error and not with cross-entropy.

Page: ``docs/learning-slowdown.md``, and ``docs/convexity-likelihood.md`` for
the curvature of squared error through a sigmoid.  Everything here is a
function of one pre-activation ``z`` and one target ``t``; the gradients by
weights and bias follow from these by the chain rule (``sigmoid.bce_grad``).
"""

from __future__ import annotations

import sympy as sp

from derivations import experiments  # noqa: F401 - registers the figures, tables and data file of the page
from derivations.algebra import as_symbol, complete_square, textbook_fraction, textbook_signs
from derivations.core import Derivation, derivation
from derivations.definitions import (
    C,
    E,
    binary_cross_entropy_definition,
    scalar_squared_error_definition,
    sigma,
    sigmoid_definition,
    t,
    y,
    z,
)
from derivations.domains import Logit, Probability

PAGE = "learning-slowdown.md"

#: The values of σ(z) where the curvature of squared error changes sign.
S_LOW, S_HIGH = sp.symbols("s_- s_+", real=True)


def _in_sigma(expr: sp.Expr) -> sp.Expr:
    """Cancel a rational function of σ(z), printed with textbook signs."""
    return textbook_signs(as_symbol(expr, sigma(z), lambda e: sp.factor(sp.cancel(e))))


@derivation("learning.mse_slowdown", title="The factor that slows squared error down", page=PAGE,
            needs=("sigmoid.derivative",))
def mse_slowdown(d: Derivation) -> None:
    d.varies(z, Logit())
    d.varies(t, Probability())
    d.where(C, scalar_squared_error_definition(t, y))
    d.where(y, sigma(z))
    sigma_slope = d.use("sigmoid.derivative").equations[0].result

    gradient = d.equation(sp.Derivative(C, z))
    gradient.step(sp.Derivative(C, y) * sp.Derivative(y, z), r"chain rule, with $y = \sigma(z)$")
    outer = sp.diff(scalar_squared_error_definition(t, y), y).subs(y, sigma(z))
    gradient.result(outer * sp.Derivative(sigma(z), z),
                    r"$\partial C/\partial y = y - t$: the error, times the slope of the sigmoid",
                    claim=(sigma(z) - t) * sigma_slope)

    bound = d.equation(sp.Derivative(sigma(z), z))
    bound.step(sigma_slope, r"the derivative of the sigmoid (derived on the sigmoid page)")
    bound.result(complete_square(sigma_slope, sigma(z)),
                 r"complete the square in $\sigma(z)$: a quarter minus a square, so never more than $\frac{1}{4}$",
                 claim=sp.Rational(1, 4) - (sigma(z) - sp.Rational(1, 2)) ** 2)

    decay = d.equation(sp.Derivative(sigma(z), z))
    slope = decay.step(sp.diff(sigmoid_definition(z), z), r"differentiate $1/(1 + e^{-z})$")
    denominator = sp.expand(sp.denom(slope) / sp.numer(slope))
    decay.result(1 / denominator,
                 r"multiply numerator and denominator by $e^{z}$; the denominator exceeds $e^{|z|}$, "
                 r"so $\sigma'(z) < e^{-|z|}$",
                 claim=1 / (sp.exp(z) + 2 + sp.exp(-z)))


@derivation("learning.ce_no_slowdown", title="Cross-entropy cancels the slope of the sigmoid", page=PAGE,
            needs=("sigmoid.derivative",))
def ce_no_slowdown(d: Derivation) -> None:
    d.varies(z, Logit())
    d.varies(t, Probability())
    d.where(E, binary_cross_entropy_definition(t, y))
    d.where(C, scalar_squared_error_definition(t, y))
    d.where(y, sigma(z))
    sigma_slope = d.use("sigmoid.derivative").equations[0].result

    gradient = d.equation(sp.Derivative(E, z))
    gradient.step(sp.Derivative(E, y) * sp.Derivative(y, z), r"chain rule, with $y = \sigma(z)$")
    outer = textbook_fraction(sp.diff(binary_cross_entropy_definition(t, y), y))
    product = gradient.step(outer * sigma_slope,
                            r"differentiate the loss by $y$, and use $\sigma'(z) = \sigma(z)(1 - \sigma(z))$")
    gradient.result(_in_sigma(product.subs(y, sigma(z))), r"substitute $y = \sigma(z)$: the slope of the sigmoid cancels against the denominator",
                    claim=sigma(z) - t)

    ratio = d.equation(sp.Derivative(E, z))
    ratio.step(sp.Derivative(C, z) / sp.Derivative(sigma(z), z),
                          r"compare with squared error: divide its gradient by $\sigma'(z)$")
    squared = sp.diff(scalar_squared_error_definition(t, y), y).subs(y, sigma(z)) * sigma_slope
    ratio.result(_in_sigma(squared / sigma_slope),
                 r"the squared-error gradient is $(\sigma(z) - t)\,\sigma'(z)$; dividing removes the factor",
                 claim=sigma(z) - t)


@derivation("sigmoid.mse_nonconvex", title="Squared error through a sigmoid is not convex",
            page="convexity-likelihood.md", needs=("sigmoid.derivative",))
def mse_nonconvex(d: Derivation) -> None:
    d.varies(z, Logit())
    d.varies(t, Probability())
    d.where(C, scalar_squared_error_definition(t, y))
    d.where(y, sigma(z))
    sigma_slope = d.use("sigmoid.derivative").equations[0].result

    curvature = d.equation(sp.Derivative(C, (z, 2)))
    first = (sigma(z) - t) * sigma_slope
    curvature.step(sp.Derivative(first, z), r"differentiate the gradient $(\sigma(z) - t)\,\sigma'(z)$ once more")
    second = sp.diff(first, z).subs(sp.Derivative(sigma(z), z), sigma_slope)
    expanded = curvature.step(second, r"product rule, with $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ for every $\sigma'$")
    factored = _in_sigma(expanded)
    curvature.step(factored, r"factor out $\sigma'(z) = \sigma(z)(1 - \sigma(z)) > 0$, which never changes sign")

    s = sp.Dummy("s", real=True)
    quadratic = sp.expand(sp.cancel(factored.subs(sigma(z), s) / (s * (1 - s))))
    leading = sp.Poly(quadratic, s).LC()
    low, high = sorted(sp.solve(quadratic, s), key=lambda root: float(root.subs(t, sp.Rational(1, 2))))
    d.where(S_LOW, low)
    d.where(S_HIGH, high)
    curvature.result(sigma(z) * (1 - sigma(z)) * leading * (sigma(z) - S_LOW) * (sigma(z) - S_HIGH),
                     r"solve the quadratic in $\sigma(z)$: its roots are "
                     r"$s_\pm = \left(1 + t \pm \sqrt{1 - t + t^2}\right)/3$, with $0 \le s_- < s_+ \le 1$",
                     claim=-3 * sigma(z) * (1 - sigma(z)) * (sigma(z) - S_LOW) * (sigma(z) - S_HIGH))
