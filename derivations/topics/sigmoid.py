"""The sigmoid, and the gradients of two losses through it.

Page: ``docs/sigmoid.md``.  σ is defined by its exponential form only
(:mod:`derivations.definitions`); its derivative is derived here and then
used by the gradients.
"""

from __future__ import annotations

import sympy as sp

from derivations.algebra import as_symbol, orient_like, textbook_signs
from derivations.core import Derivation, derivation
from derivations.definitions import (
    C, E, J, affine_definition, b, binary_cross_entropy_definition,
    scalar_squared_error_definition, sigma, sigmoid_definition, t, w_, x_, y, j, z,
)
from derivations.domains import Count, Index, Logit, Probability, RealVector

PAGE = "sigmoid.md"


@derivation("sigmoid.definition", title="The logistic sigmoid", page=PAGE, status="definition")
def sigmoid_definition_formula(d: Derivation) -> None:
    d.varies(z, Logit())
    chain = d.equation(sigma(z))
    chain.step(sigmoid_definition(z), "definition")


@derivation("sigmoid.derivative", title="Derivative of the sigmoid", page=PAGE)
def sigmoid_derivative(d: Derivation) -> None:
    d.varies(z, Logit())
    chain = d.equation(sp.Derivative(sigma(z), z))

    definition = sigmoid_definition(z)
    slope = chain.step(sp.diff(definition, z), r"differentiate the definition $\sigma(z) = 1/(1 + e^{-z})$")

    back = sp.solve(sp.Eq(sp.Symbol("s"), definition), sp.exp(-z))[0].subs(sp.Symbol("s"), sigma(z))
    in_sigma = chain.step(slope.subs(sp.exp(-z), back), rf"solve the definition for $e^{{-z}}$, giving $e^{{-z}} = (1 - \sigma(z))/\sigma(z)$, and substitute")

    simplest = textbook_signs(as_symbol(in_sigma, sigma(z), lambda e: sp.factor(sp.cancel(e))))
    chain.result(simplest, "cancel", claim=sigma(z) * (1 - sigma(z)))


def _gradients_through_sigmoid(d: Derivation, loss: sp.Symbol, definition: sp.Expr, claim_z: sp.Expr) -> None:
    """∂loss/∂z, ∂loss/∂w_j and ∂loss/∂b for z = Σ_j w_j x_j + b."""
    d.varies(t, Probability())
    d.varies(J, Count(1, 5))
    d.varies(j, Index(J))
    d.varies(w_, RealVector(J))
    d.varies(x_, RealVector(J))
    d.varies(b, Logit())
    d.where(loss, definition)
    d.where(y, sigma(z))
    d.where(z, affine_definition(w_, x_, b, J))
    sigma_slope = d.use("sigmoid.derivative").equations[0].result

    by_z = d.equation(sp.Derivative(loss, z))
    by_z.step(sp.Derivative(loss, y) * sp.Derivative(y, z), "chain rule, with $y = \\sigma(z)$")
    outer = sp.diff(definition, y)
    product = by_z.step(outer * sigma_slope, r"differentiate the loss by $y$, and use $\sigma'(z) = \sigma(z)(1 - \sigma(z))$")
    in_z = by_z.step(product.subs(y, sigma(z)), r"substitute $y = \sigma(z)$")
    simplest = as_symbol(in_z, sigma(z), lambda e: sp.factor(sp.cancel(e)))
    simplest = orient_like(textbook_signs(simplest), claim_z)
    by_z.result(simplest, "cancel", claim=claim_z)

    slope_w = sp.diff(affine_definition(w_, x_, b, J), w_[j]).doit()
    slope_w = slope_w.args[0][0] if isinstance(slope_w, sp.Piecewise) else slope_w
    by_w = d.equation(sp.Derivative(loss, w_[j]))
    by_w.step(sp.Derivative(loss, z) * sp.Derivative(z, w_[j]), "chain rule through $z$")
    by_w.result(simplest * slope_w, r"use the gradient by $z$, and $\partial z/\partial w_j = x_j$",
                claim=x_[j] * claim_z)

    slope_b = sp.diff(affine_definition(w_, x_, b, J), b)
    by_b = d.equation(sp.Derivative(loss, b))
    by_b.step(sp.Derivative(loss, z) * sp.Derivative(z, b), "chain rule through $z$")
    by_b.result(simplest * slope_b, r"use the gradient by $z$, and $\partial z/\partial b = 1$", claim=claim_z)


@derivation("sigmoid.bce_grad", title="Gradient of binary cross-entropy through a sigmoid", page=PAGE,
            needs=("sigmoid.derivative",))
def sigmoid_bce_grad(d: Derivation) -> None:
    _gradients_through_sigmoid(d, E, binary_cross_entropy_definition(t, y), sigma(z) - t)


@derivation("sigmoid.mse_grad", title="Gradient of squared error through a sigmoid", page="squared-error.md",
            needs=("sigmoid.derivative",))
def sigmoid_mse_grad(d: Derivation) -> None:
    _gradients_through_sigmoid(d, C, scalar_squared_error_definition(t, y),
                               (sigma(z) - t) * sigma(z) * (1 - sigma(z)))
