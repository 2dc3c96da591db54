"""Cross-entropy as a negative log-likelihood.

Page: ``docs/convexity-likelihood.md``.  A model that outputs y = σ(a) says
"the label is 1 with probability y"; the probability of a label t ∈ {0, 1}
is then y^t (1 - y)^{1 - t}.  N labelled examples, drawn independently, have
the product of these as their likelihood, whose logarithm is the sum of the
logarithms: the sums below start there.
"""

from __future__ import annotations

import sympy as sp

from derivations.core import Derivation, derivation, sums_to_one
from derivations.definitions import (
    K,
    a_,
    binary_cross_entropy_definition,
    cross_entropy_definition,
    n,
    sigma,
    softmax_definition,
    t,
    t_,
    y,
    y_,
    z,
)
from derivations.domains import Count, Logit, LogitVector, Probability, ProbabilityVector, UnitIntervalVector

PAGE = "convexity-likelihood.md"

#: Number of examples, and number of times one input was seen.
N, M = sp.symbols("N M", integer=True, positive=True)
#: The averaged negative log-likelihood.
L = sp.Symbol("L", real=True)


@derivation("likelihood.bernoulli", title="Binary cross-entropy is the Bernoulli negative log-likelihood", page=PAGE)
def bernoulli(d: Derivation) -> None:
    d.varies(N, Count(1, 6))
    d.varies(a_, LogitVector(N))
    d.varies(t_, UnitIntervalVector(N))
    d.where(y_, lambda index: sigma(a_[index]))

    average = d.equation(-sp.Sum(sp.log(y_[n] ** t_[n] * (1 - y_[n]) ** (1 - t_[n])), (n, 1, N)) / N)
    terms = sp.expand_log(sp.log(y_[n] ** t_[n] * (1 - y_[n]) ** (1 - t_[n])), force=True)
    average.result(sp.Sum(-terms, (n, 1, N)) / N,
                   r"the logarithm of a product of powers is a sum of multiples of logarithms",
                   claim=sp.Sum(binary_cross_entropy_definition(t_[n], y_[n]), (n, 1, N)) / N)



@derivation("likelihood.bernoulli_frequency", title="A soft binary target is an observed frequency", page=PAGE)
def bernoulli_frequency(d: Derivation) -> None:
    d.varies(M, Count(1, 12))
    d.varies(z, Logit())
    d.varies(t, Probability())
    d.where(y, sigma(z))
    repeated = d.equation(-sp.log(y ** (M * t) * (1 - y) ** (M * (1 - t))) / M)
    logged = sp.expand(-sp.expand_log(sp.log(y ** (M * t) * (1 - y) ** (M * (1 - t))), force=True) / M)
    repeated.result(sp.collect(logged, [sp.log(y), sp.log(1 - y)]),
                    r"one input seen $M$ times, with label 1 in a fraction $t$ of them: "
                    r"a soft target is an observed frequency",
                    claim=binary_cross_entropy_definition(t, y))


@derivation("likelihood.categorical", title="Cross-entropy is the categorical negative log-likelihood", page=PAGE)
def categorical(d: Derivation) -> None:
    d.varies(K, Count(2, 6))
    d.varies(M, Count(1, 12))
    d.varies(a_, LogitVector(K))
    d.varies(t_, ProbabilityVector(K))
    d.given(sums_to_one(t_, K))
    d.where(y_, lambda index: softmax_definition(a_, index, K))

    likelihood = d.equation(-sp.Sum(sp.log(y_[n] ** (M * t_[n])), (n, 1, K)) / M)
    logged = sp.expand_log(sp.log(y_[n] ** (M * t_[n])), force=True)
    likelihood.result(sp.Sum(-logged / M, (n, 1, K)),
                      r"one input seen $M$ times, class $n$ observed $M t_n$ times: "
                      r"the logarithm brings the power down, and $M$ cancels",
                      claim=cross_entropy_definition(t_, y_, K))
