"""Cross-entropy written in the logits: its curvature, and the variants frameworks offer.

Pages: ``docs/convexity-likelihood.md`` (the Hessian) and ``docs/stable-code.md``
(the log-sum-exp form, an offset inside the logarithm, label smoothing,
class weights, several labels at once).

Every gradient here is derived the same way: write ``ln y_n`` as
``a_n - ln Σ_m e^{a_m}`` (the definition of the softmax, logged), so the loss
is linear in the logits plus one log-sum-exp, then differentiate that.
"""

from __future__ import annotations

import sympy as sp

from derivations import stable  # noqa: F401 - registers the tables of the pages
from derivations.algebra import pull_constants, settle_indices, softmax_outputs, textbook_fraction
from derivations.core import Derivation, at_least, derivation, sums_to_one
from derivations.definitions import (
    E,
    K,
    a_,
    binary_cross_entropy_definition,
    cross_entropy_definition,
    i,
    j,
    m,
    n,
    sigma,
    softmax_definition,
    t_,
    y,
    y_,
    z,
)
from derivations.domains import (
    Count,
    Index,
    LogitVector,
    Probability,
    ProbabilityVector,
    Real,
    RealVector,
    UnitIntervalVector,
)

STABLE = "stable-code.md"

#: Σ_m e^{a_m}, the normaliser of the softmax.
TOTAL = sp.Sum(sp.exp(a_[m]), (m, 1, K))
#: The smoothing weight α, the offset δ inside the logarithm.
alpha, delta = sp.symbols("alpha delta", real=True, nonnegative=True)
#: Smoothed targets t'_k and class weights ω_k.
ts_ = sp.IndexedBase("t'", real=True)
omega_ = sp.IndexedBase("omega", real=True)


def _softmax_setup(d: Derivation, *indices: sp.Symbol, targets: bool = True) -> None:
    d.varies(K, Count(2, 6))
    for index in indices:
        d.varies(index, Index(K))
    d.varies(a_, LogitVector(K))
    if targets:
        d.varies(t_, ProbabilityVector(K))
        d.given(sums_to_one(t_, K))
        d.given(at_least(K, 2))


def _logged_softmax(weights: sp.IndexedBase) -> sp.Expr:
    """-Σ_n w_n ln y_n with ln y_n = a_n - ln Σ_m e^{a_m}, pulled apart."""
    logged = sp.expand_log(sp.log(softmax_definition(a_, n, K)), force=True)
    return pull_constants(sp.expand(-sp.Sum(weights[n] * logged, (n, 1, K))))


def _gradient(expr: sp.Expr, *by: sp.Symbol) -> sp.Expr:
    """Differentiate ``expr`` by the logits a_by[0], a_by[1], ... and write it in y."""
    for index in by:
        expr = settle_indices(sp.diff(expr, a_[index]).doit(), {index: K for index in by})
    return softmax_outputs(expr, a_, y_, TOTAL)


@derivation("softmax.ce_logsumexp", title="Cross-entropy from the logits: the log-sum-exp form", page=STABLE)
def ce_logsumexp(d: Derivation) -> None:
    _softmax_setup(d)
    d.where(E, cross_entropy_definition(t_, y_, K))
    d.where(y_, lambda index: softmax_definition(a_, index, K))

    loss = d.equation(E)
    loss.step(-sp.Sum(t_[n] * sp.log(softmax_definition(a_, n, K)), (n, 1, K)), "definition, with $y$ the softmax of $a$")
    split = loss.step(_logged_softmax(t_), r"$\ln y_n = a_n - \ln \sum_m e^{a_m}$, and the logarithm does not depend on $n$")
    loss.result(sums_to_one(t_, K).symbolic(split), r"use $\sum_n t_n = 1$",
                claim=-sp.Sum(t_[n] * a_[n], (n, 1, K)) + sp.log(TOTAL))

    shift = sp.Symbol("c", real=True)
    d.varies(shift, Real(15.0))
    normaliser = d.equation(sp.log(TOTAL))
    moved = normaliser.step(sp.log(sp.exp(shift) * sp.Sum(sp.exp(a_[m] - shift), (m, 1, K))),
                            r"take $e^{c}$ out of every term, for any number $c$")
    normaliser.result(sp.expand_log(moved, force=True),
                      r"the logarithm of a product; code takes $c = \max_m a_m$, so no exponential overflows",
                      claim=shift + sp.log(sp.Sum(sp.exp(a_[m] - shift), (m, 1, K))))


@derivation("softmax.ce_hessian", title="The Hessian of cross-entropy in the logits", page="convexity-likelihood.md")
def ce_hessian(d: Derivation) -> None:
    _softmax_setup(d, i, j)
    d.where(E, cross_entropy_definition(t_, y_, K))
    d.where(y_, lambda index: softmax_definition(a_, index, K))
    logged = _logged_softmax(t_)

    hessian = d.equation(sp.Derivative(E, a_[i], a_[j]))
    hessian.step(sp.Derivative(logged, a_[i], a_[j]), r"write $\ln y_n = a_n - \ln \sum_m e^{a_m}$")
    first = _gradient(logged, i)
    hessian.step(sp.Derivative(first, a_[j]),
                 r"differentiate by $a_i$: $\partial \ln \sum_m e^{a_m} / \partial a_i = y_i$")
    second = hessian.step(sp.factor(_gradient(logged, i, j)),
                          r"differentiate by $a_j$: $\partial y_i / \partial a_j = y_i \delta_{ij} - y_i y_j$")
    hessian.result(sp.factor(sums_to_one(t_, K).symbolic(second)), r"use $\sum_n t_n = 1$",
                   claim=y_[i] * (sp.KroneckerDelta(i, j) - y_[j]))
    hessian.for_each_count(K, range(2, 5))


@derivation("softmax.ce_grad_label_smoothing", title="Gradient of cross-entropy with label smoothing", page=STABLE)
def ce_grad_label_smoothing(d: Derivation) -> None:
    _softmax_setup(d, i)
    d.varies(alpha, Probability())
    d.where(E, cross_entropy_definition(ts_, y_, K))
    d.where(ts_, lambda index: (1 - alpha) * t_[index] + alpha / K)
    d.where(y_, lambda index: softmax_definition(a_, index, K))

    gradient = d.equation(sp.Derivative(E, a_[i]))
    logged = _logged_softmax(ts_)
    gradient.step(sp.Derivative(logged, a_[i]), r"write $\ln y_n = a_n - \ln \sum_m e^{a_m}$")
    general = gradient.step(_gradient(logged, i), r"differentiate by $a_i$")
    smoothed = general.replace(lambda node: isinstance(node, sp.Indexed) and node.base == ts_,
                               lambda node: (1 - alpha) * t_[node.indices[0]] + alpha / K)
    total = sums_to_one(t_, K).symbolic(pull_constants(sp.expand(smoothed).doit()))
    target_part = sp.collect(sp.expand(y_[i] - total), t_[i])
    gradient.result(sp.Add(y_[i], sp.Mul(-1, target_part, evaluate=False), evaluate=False),
                    r"with $t'_n = (1 - \alpha) t_n + \alpha/K$, the smoothed targets also sum to 1",
                    claim=y_[i] - ((1 - alpha) * t_[i] + alpha / K))
    gradient.for_each_count(K, range(2, 5))


@derivation("softmax.ce_grad_class_weights", title="Gradient of cross-entropy with a weight per class", page=STABLE)
def ce_grad_class_weights(d: Derivation) -> None:
    _softmax_setup(d, i)
    d.varies(omega_, RealVector(K))
    d.where(E, -sp.Sum(omega_[n] * t_[n] * sp.log(y_[n]), (n, 1, K)))
    d.where(y_, lambda index: softmax_definition(a_, index, K))

    weighted = sp.IndexedBase("u")
    gradient = d.equation(sp.Derivative(E, a_[i]))
    logged = _logged_softmax(weighted).replace(
        lambda node: isinstance(node, sp.Indexed) and node.base == weighted,
        lambda node: omega_[node.indices[0]] * t_[node.indices[0]])
    gradient.step(sp.Derivative(logged, a_[i]), r"write $\ln y_n = a_n - \ln \sum_m e^{a_m}$")
    gradient.result(_gradient(logged, i),
                    r"differentiate by $a_i$; for a one-hot $t$ of class $c$ this is $\omega_c (y_i - t_i)$",
                    claim=y_[i] * sp.Sum(omega_[n] * t_[n], (n, 1, K)) - omega_[i] * t_[i])


@derivation("softmax.ce_grad_log_offset", title="Gradient when a small number is added inside the logarithm", page=STABLE)
def ce_grad_log_offset(d: Derivation) -> None:
    c = sp.Symbol("c", integer=True, positive=True)
    _softmax_setup(d, i, c, targets=False)
    d.varies(delta, Probability())
    d.where(E, -sp.Sum(sp.KroneckerDelta(n, c) * sp.log(y_[n] + delta), (n, 1, K)))
    d.where(y_, lambda index: softmax_definition(a_, index, K))

    gradient = d.equation(sp.Derivative(E, a_[i]))
    gradient.step(-sp.Derivative(sp.log(y_[c] + delta), a_[i]), r"the target is one-hot at class $c$: one term is left")
    inner = sp.diff(sp.log(y + delta), y).subs(y, y_[c])
    slope = softmax_outputs(settle_indices(sp.diff(softmax_definition(a_, c, K), a_[i]).doit(), {i: K, c: K}),
                            a_, y_, TOTAL)
    product = gradient.step(-inner * slope, r"chain rule, with $\partial y_c/\partial a_i = y_c (\delta_{ci} - y_i)$")
    usual = y_[i] - sp.KroneckerDelta(c, i)
    scale = sp.factor(sp.cancel(product / usual))
    if scale.has(y_[i]):
        raise d.error(f"the offset gradient {product} is not a multiple of y_i - delta_ci")
    gradient.result(sp.Mul(scale, usual, evaluate=False),
                    r"the usual gradient $y_i - \delta_{ci}$, scaled by $y_c/(y_c + \delta)$",
                    claim=y_[c] / (y_[c] + delta) * (y_[i] - sp.KroneckerDelta(c, i)))


@derivation("sigmoid.multilabel_grad", title="Several labels at once: one sigmoid and one binary cross-entropy per label",
            page=STABLE, needs=("sigmoid.derivative",))
def multilabel_grad(d: Derivation) -> None:
    d.varies(K, Count(1, 6))
    d.varies(i, Index(K))
    d.varies(a_, LogitVector(K))
    d.varies(t_, UnitIntervalVector(K))
    d.where(E, sp.Sum(binary_cross_entropy_definition(t_[n], y_[n]), (n, 1, K)))
    d.where(y_, lambda index: sigma(a_[index]))

    gradient = d.equation(sp.Derivative(E, a_[i]))
    gradient.step(sp.Derivative(binary_cross_entropy_definition(t_[i], y_[i]), y_[i]) * sp.Derivative(y_[i], a_[i]),
                  r"only the term $n = i$ depends on $a_i$; chain rule through $y_i = \sigma(a_i)$")
    outer = textbook_fraction(sp.diff(binary_cross_entropy_definition(t_[i], y), y).subs(y, y_[i]))
    slope = d.use("sigmoid.derivative").equations[0].result.subs(z, a_[i])
    product = gradient.step(outer * slope, r"$\sigma'(a_i) = \sigma(a_i)(1 - \sigma(a_i))$")
    gradient.result(sp.factor(sp.cancel(product.subs(y_[i], sigma(a_[i])))),
                    r"substitute $y_i = \sigma(a_i)$ and cancel: each label gets the binary gradient, on its own",
                    claim=sigma(a_[i]) - t_[i])
