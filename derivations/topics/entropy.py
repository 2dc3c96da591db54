"""Entropy, cross-entropy and the Kullback-Leibler divergence, and their bounds.

Pages: ``docs/information-entropy.md`` and ``docs/cross-entropy-kl.md``.
Everything rests on one inequality of the logarithm, ln x ≤ x - 1, derived
here from the concavity of ln; Gibbs' inequality follows from it, and from
Gibbs' inequality the bounds on entropy and cross-entropy.

Distributions are p (the data) and q (the model), over outcomes 1..K; a term
0 ln 0 counts as 0.
"""

from __future__ import annotations

import logging

import mpmath
import sympy as sp

from derivations.core import Derivation, derivation, sums_to_one
from derivations.definitions import (
    D_KL, H, H_b, H_bits, K, binary_entropy_definition, distribution_cross_entropy_definition,
    entropy_definition, k, kl_definition, log2, n, p_, q_,
)
from derivations.domains import Count, Distribution, Grid, Index
from derivations.meaning import WORKING_DIGITS
from derivations.printing import latex

logger = logging.getLogger(__name__)

INFORMATION = "information-entropy.md"
CROSS = "cross-entropy-kl.md"

#: Random distributions each bound over distributions is checked at.
BOUND_SAMPLES = 10_000
#: Sizes of the distributions the bounds are checked at.
SIZES = Count(2, 50, log_uniform=True)

x = sp.Symbol("x", positive=True)
p = sp.Symbol("p", real=True)
u_ = sp.IndexedBase("u", real=True)


def _uniform(point: dict) -> list:
    size = point[K]
    with mpmath.workdps(2 * WORKING_DIGITS):
        return [None] + [mpmath.mpf(1) / size] * size


def _distributions(d: Derivation, *, model: bool) -> None:
    """K outcomes, data p and (if ``model``) model q, each summing to 1."""
    d.varies(K, SIZES)
    d.varies(p_, Distribution(K))
    d.given(sums_to_one(p_, K))
    if model:
        d.varies(q_, Distribution(K, zeros_within=p_))
        d.given(sums_to_one(q_, K))


def _log_to_log2(expr: sp.Expr) -> sp.Expr:
    """Write every ln a / ln 2 as log_2 a (the same number)."""
    return expr.replace(
        lambda node: node.is_Mul and sp.Pow(sp.log(2), -1) in node.args
        and any(isinstance(f, sp.log) and f.args[0] != 2 for f in node.args),
        lambda node: sp.Mul(*(log2(f.args[0]) if isinstance(f, sp.log) else f
                              for f in node.args if f != sp.Pow(sp.log(2), -1))),
    )


@derivation("entropy.log_bound", title="The logarithm lies below its tangent at 1", page=INFORMATION)
def log_bound(d: Derivation) -> None:
    d.varies(x, Grid(0, 20, number=201, bounds=(sp.Integer(0), sp.oo)))
    chain = d.equation(sp.log(x))

    a = sp.Symbol("a", positive=True)
    curvature = sp.diff(sp.log(x), x, 2)
    tangent = (sp.log(a) + sp.diff(sp.log(a), a) * (x - a)).subs(a, 1)
    chain.result(
        tangent,
        rf"$\ln$ is concave, since $(\ln x)'' = {latex(curvature)} < 0$, so it lies below its tangent at "
        rf"$x = 1$, the line ${latex(tangent)}$; they touch only at $x = 1$",
        claim=x - 1, relation="<=",
    )
    chain.equality_when(lambda point: {**point, x: mpmath.mpf(1)}, "x = 1")
    chain.prove_by_derivatives(x)


@derivation("entropy.gibbs_inequality", title="Gibbs' inequality", page=CROSS, needs=("entropy.log_bound",))
def gibbs_inequality(d: Derivation) -> None:
    _distributions(d, model=True)
    d.where(D_KL(p_, q_), kl_definition(p_, q_, K))
    d.sample_size(BOUND_SAMPLES)
    bound = d.use("entropy.log_bound").equations[0]
    chain = d.equation(D_KL(p_, q_))

    definition = kl_definition(p_, q_, K)
    term = definition.function
    flipped = chain.step(-sp.Sum(p_[n] * sp.log(q_[n] / p_[n]), (n, 1, K)),
                         r"the definition, with $\ln(p_n/q_n) = -\ln(q_n/p_n)$")

    below = bound.claim.subs(x, q_[n] / p_[n])
    linear = chain.step(sp.Sum(sp.expand(-p_[n] * below), (n, 1, K)),
                        rf"$\ln x \le x - 1$ ({{{{ ref: entropy.log_bound }}}}) with $x = q_n/p_n$, for each $n$ "
                        rf"with $p_n > 0$; a term with $p_n = 0$ is $0$ on the left and $-q_n \le 0$ on the right",
                        relation=">=")
    split = chain.step(sp.Sum(p_[n], (n, 1, K)) - sp.Sum(q_[n], (n, 1, K)), "split the sum")
    total = split
    for condition in d.conditions:
        total = condition.symbolic(total)
    chain.result(total, "both distributions sum to 1", claim=sp.Integer(0))
    chain.equality_when(lambda point: {**point, q_: list(point[p_])}, "q = p")
    chain.prove_by_derivatives(q_[1], {K: 2})
    d.notes = (f"Equality needs $\\ln x = x - 1$ at every $x = q_n/p_n$ with $p_n > 0$, that is $q = p$. "
               f"If some $q_n = 0 < p_n$, the term ${latex(term)}$ is $+\\infty$ and so is the divergence.")


@derivation("entropy.kl_decomposition", title="Cross-entropy is entropy plus divergence", page=CROSS)
def kl_decomposition(d: Derivation) -> None:
    _distributions(d, model=True)
    d.where(H(p_, q_), distribution_cross_entropy_definition(p_, q_, K))
    d.where(H(p_), entropy_definition(p_, K))
    d.where(D_KL(p_, q_), kl_definition(p_, q_, K))
    chain = d.equation(H(p_, q_))

    definition = chain.step(distribution_cross_entropy_definition(p_, q_, K), "definition of cross-entropy")
    rewritten = definition.replace(sp.log(q_[n]), sp.log(p_[n]) - sp.log(p_[n] / q_[n]))
    chain.step(rewritten, r"write $\ln q_n = \ln p_n - \ln(p_n/q_n)$")
    entropy_part = entropy_definition(p_, K)
    divergence_part = kl_definition(p_, q_, K)
    split = chain.step(entropy_part + divergence_part, "split the sum in two")
    named = split.subs({entropy_part: H(p_), divergence_part: D_KL(p_, q_)})
    chain.result(named, "the two sums are the definitions of entropy and divergence",
                 claim=H(p_) + D_KL(p_, q_))


@derivation("entropy.cross_ge_entropy", title="Cross-entropy is at least the entropy", page=CROSS,
            needs=("entropy.kl_decomposition", "entropy.gibbs_inequality"))
def cross_ge_entropy(d: Derivation) -> None:
    _distributions(d, model=True)
    d.where(H(p_, q_), distribution_cross_entropy_definition(p_, q_, K))
    d.where(H(p_), entropy_definition(p_, K))
    d.where(D_KL(p_, q_), kl_definition(p_, q_, K))
    d.sample_size(BOUND_SAMPLES)
    decomposition = d.use("entropy.kl_decomposition").equations[0]
    gibbs = d.use("entropy.gibbs_inequality").equations[0]
    chain = d.equation(H(p_, q_))

    whole = chain.step(decomposition.result, "{{ ref: entropy.kl_decomposition }}")
    lower = whole.subs(gibbs.lhs, gibbs.result)
    chain.result(lower, r"$D_{\mathrm{KL}}(p \,\|\, q) \ge 0$ ({{ ref: entropy.gibbs_inequality }})",
                 claim=H(p_), relation=">=")
    chain.equality_when(lambda point: {**point, q_: list(point[p_])}, "q = p")
    chain.prove_by_derivatives(q_[1], {K: 2})


@derivation("entropy.max_uniform", title="The uniform distribution has the largest entropy", page=INFORMATION,
            needs=("entropy.gibbs_inequality",))
def max_uniform(d: Derivation) -> None:
    _distributions(d, model=False)
    d.where(H(p_), entropy_definition(p_, K))
    d.where(H(u_), entropy_definition(u_, K))
    d.where(D_KL(p_, u_), kl_definition(p_, u_, K))
    d.where(u_, lambda index: 1 / K)
    d.sample_size(BOUND_SAMPLES)
    gibbs = d.use("entropy.gibbs_inequality").equations[0]

    chain = d.equation(H(p_))
    definition = chain.step(entropy_definition(p_, K), "definition of entropy")
    chain.step(sp.log(K) * sp.Sum(p_[n], (n, 1, K)) - kl_definition(p_, u_, K).subs(u_[n], 1 / K),
               r"add and subtract $\sum_n p_n \ln K$, and write $\ln p_n + \ln K = \ln(p_n/(1/K))$")
    with_divergence = chain.step(sp.log(K) - D_KL(p_, u_),
                                 r"$\sum_n p_n = 1$; the sum left is the divergence from the uniform "
                                 r"distribution $u_n = 1/K$")
    top = with_divergence.subs(gibbs.lhs.subs(q_, u_), gibbs.result)
    chain.result(top, r"$D_{\mathrm{KL}}(p \,\|\, u) \ge 0$ ({{ ref: entropy.gibbs_inequality }})",
                 claim=sp.log(K), relation="<=")
    chain.equality_when(lambda point: {**point, p_: _uniform(point)}, "p is uniform")
    chain.prove_by_derivatives(p_[1], {K: 2})

    # The same maximum by Lagrange multipliers: stationary points of
    # H(p) + λ(Σ p_n - 1), computed by SymPy.
    lam = sp.Symbol(r"\lambda", real=True)
    summand = -(-definition).function
    term = sp.diff(summand.subs(n, k) + lam * p_[k], p_[k])
    stationary = sp.solve(sp.Eq(term, 0), p_[k])[0]
    multiplier = sp.solve(sp.Eq(K * stationary, 1), lam)[0]
    each = sp.simplify(stationary.subs(lam, multiplier))
    at_uniform = d.equation(H(u_))
    at_uniform.step(-sp.Sum(each * sp.log(each), (n, 1, K)),
                    rf"setting $\partial/\partial p_k$ of $H(p) + \lambda(\sum_n p_n - 1)$ to zero gives "
                    rf"${latex(sp.Eq(term, 0))}$, so $p_k = {latex(stationary)}$ is the same for every $k$; "
                    rf"$\sum_n p_n = 1$ then gives $\lambda = {latex(multiplier)}$ and $p_k = {latex(each)}$")
    value = sp.simplify(sp.expand_log((-sp.Sum(each * sp.log(each), (n, 1, K))).doit(), force=True))
    at_uniform.result(value, "add the K equal terms", claim=sp.log(K))


@derivation("entropy.binary", title="Binary entropy, its derivative and its maximum", page=INFORMATION)
def binary(d: Derivation) -> None:
    d.varies(p, Grid(0, 1, number=101))
    d.where(H_b(p), binary_entropy_definition(p))

    definition = binary_entropy_definition(p)
    as_definition = d.equation(H_b(p))
    as_definition.result(definition, r"definition: the entropy in bits of outcomes with probabilities $p$ and $1 - p$",
                         claim=-p * log2(p) - (1 - p) * log2(1 - p))

    slope = d.equation(sp.Derivative(H_b(p), p))
    raw = sp.diff(definition.replace(log2, lambda arg: sp.log(arg) / sp.log(2)), p)
    slope.step(raw, r"differentiate, with $\log_2 a = \ln a / \ln 2$")
    combined = sp.logcombine(sp.expand(raw * sp.log(2)), force=True) / sp.log(2)
    slope.result(_log_to_log2(combined), "the constant terms cancel; combine the logarithms",
                 claim=log2((1 - p) / p))
    slope.excluding(lambda point: point[p] in (0, 1), "p = 0 or p = 1, where the slope is infinite")

    top = d.equation(H_b(p))
    critical = sp.solve(sp.Eq(combined, 0), p)[0]
    curvature = sp.factor(sp.diff(combined, p))
    peak = definition.subs(p, critical).replace(log2, lambda arg: sp.log(arg) / sp.log(2))
    top.result(sp.simplify(peak),
               rf"the slope vanishes only at $p = {latex(critical)}$ and "
               rf"$H_{{\mathrm{{b}}}}''(p) = {latex(curvature)} < 0$, so $H_{{\mathrm{{b}}}}$ is concave with its "
               rf"maximum $H_{{\mathrm{{b}}}}({latex(critical)})$ there", claim=sp.Integer(1), relation="<=")
    top.equality_when(lambda point: {**point, p: mpmath.mpf(1) / 2}, "p = 1/2")
    top.prove_by_derivatives(p)


@derivation("entropy.units", title="Nats and bits", page=INFORMATION)
def units(d: Derivation) -> None:
    _distributions(d, model=False)
    d.where(H_bits(p_), -sp.Sum(p_[n] * log2(p_[n]), (n, 1, K)))
    d.where(H(p_), entropy_definition(p_, K))

    in_bits = d.equation(H_bits(p_))
    definition = in_bits.step(-sp.Sum(p_[n] * log2(p_[n]), (n, 1, K)), "entropy in bits: logarithms to base 2")
    natural = in_bits.step(definition.replace(log2, lambda arg: sp.log(arg) / sp.log(2)),
                           r"$\log_2 a = \ln a / \ln 2$")
    in_bits.result(sp.factor_terms(natural).subs(entropy_definition(p_, K), H(p_)),
                   r"take $1/\ln 2$ out of the sum; what is left is $H(p)$ in nats", claim=H(p_) / sp.log(2))

    per_nat = d.equation(log2(sp.E))
    value = per_nat.step(sp.log(sp.E) / sp.log(2), r"one nat is the information of an outcome of probability "
                         r"$1/e$; in bits that is $\log_2 e = \ln e / \ln 2$")
    per_nat.result(sp.simplify(value), r"$\ln e = 1$", claim=1 / sp.log(2))


# ---------------------------------------------------------------------------
# Definitions placed on the pages, and what they mean for a classifier
# ---------------------------------------------------------------------------


@derivation("entropy.definition", title="Shannon entropy", page=INFORMATION, status="definition")
def entropy_defined(d: Derivation) -> None:
    _distributions(d, model=False)
    chain = d.equation(H(p_))
    chain.step(entropy_definition(p_, K), r"in nats; a term with $p_n = 0$ counts as $0$")


@derivation("entropy.cross_definition", title="Cross-entropy", page=CROSS, status="definition")
def cross_entropy_defined(d: Derivation) -> None:
    _distributions(d, model=True)
    chain = d.equation(H(p_, q_))
    chain.step(distribution_cross_entropy_definition(p_, q_, K), r"data $p$, model $q$, in nats")


@derivation("entropy.kl_definition", title="Kullback-Leibler divergence", page=CROSS, status="definition")
def kl_defined(d: Derivation) -> None:
    _distributions(d, model=True)
    chain = d.equation(D_KL(p_, q_))
    chain.step(kl_definition(p_, q_, K), r"data $p$, model $q$, in nats")


@derivation("entropy.same_minimiser", title="Cross-entropy and divergence have the same slope in q", page=CROSS)
def same_minimiser(d: Derivation) -> None:
    d.varies(K, Count(2, 12))
    d.varies(k, Index(K))
    d.varies(p_, Distribution(K))
    d.varies(q_, Distribution(K, zeros=False))
    d.where(H(p_, q_), distribution_cross_entropy_definition(p_, q_, K))
    d.where(D_KL(p_, q_), kl_definition(p_, q_, K))

    chain = d.equation(sp.Derivative(H(p_, q_), q_[k]))
    slope = sp.diff(distribution_cross_entropy_definition(p_, q_, K), q_[k]).doit()
    slope = _only_term(slope)
    chain.step(slope, r"differentiate $-\sum_n p_n \ln q_n$: only the term $n = k$ depends on $q_k$")
    divergence_slope = _only_term(sp.diff(sp.expand_log(kl_definition(p_, q_, K), force=True), q_[k]).doit())
    chain.result(divergence_slope,
                 r"the same as the slope of $D_{\mathrm{KL}}(p \,\|\, q) = \sum_n p_n \ln p_n - \sum_n p_n \ln q_n$, "
                 r"whose first sum does not depend on $q$", claim=sp.Derivative(D_KL(p_, q_), q_[k]))


def _only_term(expr: sp.Expr) -> sp.Expr:
    """A sum over n of Kronecker-delta terms, reduced to its term n = k."""
    expr = expr.replace(lambda node: isinstance(node, sp.Piecewise), lambda node: node.args[0][0])
    return sp.simplify(expr)


@derivation("entropy.cross_entropy_loss", title="The classification loss is a cross-entropy", page=CROSS)
def cross_entropy_loss(d: Derivation) -> None:
    t_ = sp.IndexedBase("t", real=True)
    y_ = sp.IndexedBase("y", real=True)
    E = sp.Symbol("E", real=True)
    d.varies(K, Count(2, 12))
    d.varies(t_, Distribution(K))
    d.varies(y_, Distribution(K, zeros=False))
    d.where(E, -sp.Sum(t_[n] * sp.log(y_[n]), (n, 1, K)))
    d.where(H(t_, y_), distribution_cross_entropy_definition(t_, y_, K))

    chain = d.equation(H(t_, y_))
    chain.result(distribution_cross_entropy_definition(t_, y_, K),
                 r"cross-entropy with the targets $t$ as the data and the network's outputs $y$ as the model: "
                 r"the loss of a classifier with $K$ outputs", claim=E)
