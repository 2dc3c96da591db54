"""The softmax, its Jacobian, and the gradients of two losses through it.

Page: ``docs/softmax.md`` (and ``docs/squared-error.md`` for the squared
error).  The number of classes K stays a symbol: sums are SymPy sums over
k = 1..K, and the result is proven again for every K from 2 to 8.
"""

from __future__ import annotations

import sympy as sp

from derivations.algebra import settle_indices, textbook_signs
from derivations.core import Chain, Condition, Derivation, at_least, derivation, sums_to_one
from derivations.definitions import (
    C, E, K, a_, c, cross_entropy_definition, i, j, k, sigma, softmax_definition,
    squared_error_definition, t_, y_,
)
from derivations.domains import Count, Index, LogitVector, ProbabilityVector

PAGE = "softmax.md"


def _settle(expr: sp.Expr) -> sp.Expr:
    """Evaluate sums of Kronecker deltas; every class index lies in 1..K."""
    return settle_indices(expr.doit(), {index: K for index in (i, j, k, c)})


@derivation("softmax.definition", title="The softmax", page=PAGE, status="definition")
def softmax_definition_formula(d: Derivation) -> None:
    d.varies(K, Count())
    d.varies(k, Index(K))
    d.varies(a_, LogitVector(K))
    chain = d.equation(y_[k])
    chain.step(softmax_definition(a_, k, K), "definition")


@derivation("softmax.jacobian", title="Jacobian of the softmax", page=PAGE)
def softmax_jacobian(d: Derivation) -> None:
    d.varies(K, Count())
    d.varies(i, Index(K))
    d.varies(j, Index(K))
    d.varies(a_, LogitVector(K))
    d.where(y_, lambda index: softmax_definition(a_, index, K))
    d.given(at_least(K, 2))
    chain = d.equation(sp.Derivative(y_[i], a_[j]))

    output = softmax_definition(a_, i, K)
    chain.step(sp.Derivative(output, a_[j]), "substitute the definition of $y_i$")

    quotient = chain.step(_settle(sp.diff(output, a_[j])), r"quotient rule; $\partial e^{a_i}/\partial a_j = \delta_{ij} e^{a_i}$")

    total = output.as_numer_denom()[1]
    in_outputs = quotient.subs({sp.exp(a_[i]): y_[i] * total, sp.exp(a_[j]): y_[j] * total})
    expanded = chain.step(sp.expand(in_outputs), r"write $e^{a_i} = y_i \sum_m e^{a_m}$ and cancel")

    chain.result(textbook_signs(sp.factor(expanded)), r"factor out $y_i$",
                 claim=y_[i] * (sp.KroneckerDelta(i, j) - y_[j]))


def _chain_through_softmax(d: Derivation, loss: sp.Symbol, definition: sp.Expr,
                           *conditions: Condition) -> tuple[Chain, sp.Expr]:
    """What both gradients share: the loss of K softmax outputs, and the chain
    rule over every output.  Returns the chain and the softmax Jacobian."""
    d.varies(K, Count())
    d.varies(k, Index(K))
    d.varies(a_, LogitVector(K))
    d.varies(t_, ProbabilityVector(K))
    d.where(loss, definition)
    d.where(y_, lambda index: softmax_definition(a_, index, K))
    for condition in conditions:
        d.given(condition)
    d.given(at_least(K, 2))
    jacobian = d.use("softmax.jacobian").equations[0].result
    chain = d.equation(sp.Derivative(loss, a_[k]))

    chain.step(sp.Sum(sp.Derivative(loss, y_[i]) * sp.Derivative(y_[i], a_[k]), (i, 1, K)),
               "chain rule: every output $y_i$ depends on $a_k$")
    return chain, jacobian


@derivation("softmax.ce_grad", title="Gradient of cross-entropy through a softmax", page=PAGE,
            needs=("softmax.jacobian",))
def softmax_ce_grad(d: Derivation) -> None:
    chain, jacobian = _chain_through_softmax(d, E, cross_entropy_definition(t_, y_, K), sums_to_one(t_, K))

    outer = _settle(sp.diff(cross_entropy_definition(t_, y_, K), y_[i]))
    summand = outer * jacobian.subs(j, k)
    chain.step(sp.Sum(summand, (i, 1, K)),
               r"$\partial E/\partial y_i = -t_i/y_i$ and the softmax Jacobian; the $y_i$ cancel")

    split = sp.Add(*[sp.Sum(term, (i, 1, K)).factor() for term in sp.expand(summand).args])
    chain.step(split, "split the sum")

    settled = chain.step(_settle(split), r"only the term $i = k$ of the first sum survives")

    chain.result(sums_to_one(t_, K).symbolic(sp.expand(settled)), r"use $\sum_i t_i = 1$",
                 claim=y_[k] - t_[k])
    chain.for_each_count(K, range(2, 9))


@derivation("softmax.mse_grad", title="Gradient of squared error through a softmax", page="squared-error.md",
            needs=("softmax.jacobian",))
def softmax_mse_grad(d: Derivation) -> None:
    chain, jacobian = _chain_through_softmax(d, C, squared_error_definition(t_, y_, K))

    outer = _settle(sp.diff(squared_error_definition(t_, y_, K), y_[i]))
    summand = sp.factor(outer) * jacobian.subs(j, k)
    chain.result(sp.Sum(summand, (i, 1, K)),
                 r"$\partial C/\partial y_i = y_i - t_i$ and the softmax Jacobian; nothing cancels",
                 claim=sp.Sum((y_[i] - t_[i]) * y_[i] * (sp.KroneckerDelta(i, k) - y_[k]), (i, 1, K)))


@derivation("softmax.two_class", title="Two-class softmax is a sigmoid", page=PAGE)
def softmax_two_class(d: Derivation) -> None:
    d.varies(K, Count(2, 2))
    d.varies(a_, LogitVector(K))
    d.where(y_, lambda index: softmax_definition(a_, index, K))
    first, second = a_[1], a_[2]

    for index, here, there in ((1, first, second), (2, second, first)):
        chain = d.equation(y_[index])
        explicit = chain.step(softmax_definition(a_, index, 2).doit(), "the softmax with $K = 2$")
        numerator, denominator = explicit.as_numer_denom()
        divided = chain.step(1 / sp.powsimp(sp.expand(denominator / numerator)), rf"divide numerator and denominator by $e^{{a_{index}}}$")
        argument = sp.expand(sp.expand_log(-sp.log(1 / divided - 1), force=True))
        chain.result(sigma(argument), r"this is $1/(1 + e^{-u})$ with $u = a_" + str(index) + " - a_" + str(3 - index) + "$",
                     claim=sigma(here - there))


@derivation("cross_entropy.one_hot", title="Cross-entropy of one-hot teacher data", page="index.md")
def cross_entropy_one_hot(d: Derivation) -> None:
    d.varies(K, Count())
    d.varies(c, Index(K))
    d.varies(y_, ProbabilityVector(K, floor=True))
    d.where(E, cross_entropy_definition(t_, y_, K))
    d.where(t_, lambda index: sp.KroneckerDelta(index, c))
    d.given(at_least(K, 2))
    chain = d.equation(E)

    definition = cross_entropy_definition(t_, y_, K)
    one_hot = chain.step(definition.replace(lambda n: isinstance(n, sp.Indexed) and n.base == t_,
                                            lambda n: sp.KroneckerDelta(n.indices[0], c)),
                         r"one-hot teacher data for class $c$: $t_k = \delta_{kc}$")
    chain.result(_settle(one_hot), r"only the term $k = c$ survives", claim=-sp.log(y_[c]))
