"""Prefix codes: Kraft's inequality, average lengths, and the source-coding bound.

Page: ``docs/information-entropy.md`` (and the weather table on
``docs/cross-entropy-kl.md``).  Lengths are in bits; a prefix code for K
symbols is a binary tree whose leaves are the codewords, ℓ_n the depth of
leaf n.

The weather example: country B's weather (sunny, cloudy, rain, snow) has
probabilities p = (1/2, 1/4, 1/8, 1/8) and B codes it 0, 10, 110, 111;
country A's weather has q = (1/8, 1/2, 1/4, 1/8), and A uses the code built
for q (lengths -log_2 q_n).
"""

from __future__ import annotations

import logging

import mpmath
import sympy as sp

from derivations.core import Derivation, derivation, sums_to_one
from derivations.definitions import (
    H_bits, K, average_length_definition, ell_, kraft_sum_definition, log2, longest, n, p_,
)
from derivations.domains import Count, Distribution, PrefixCode
from derivations.meaning import WORKING_DIGITS
from derivations.printing import latex

logger = logging.getLogger(__name__)

PAGE = "information-entropy.md"

#: Random prefix codes (random binary trees) the Kraft inequality is checked on.
KRAFT_SAMPLES = 2_000
#: Random (distribution, code) pairs the source-coding bound is checked on.
SOURCE_SAMPLES = 10_000

OUTCOMES = ("sunny", "cloudy", "rain", "snow")
#: Country B's weather and B's code.
WEATHER_P = tuple(sp.Rational(1, d) for d in (2, 4, 8, 8))
CODE_B = ("0", "10", "110", "111")
#: Country A's weather; A's code is the one built for it.
WEATHER_Q = tuple(sp.Rational(1, d) for d in (8, 2, 4, 8))
CODE_A = ("110", "0", "10", "111")

L = sp.Symbol("L", real=True)
L_S = sp.Symbol("L_S", real=True)
lam_ = sp.IndexedBase(r"\lambda", real=True)


def comb_code(size: int) -> list:
    """Lengths 1, 2, ..., size-1, size-1 of the complete code 0, 10, 110, ..."""
    return [None, *range(1, size), size - 1]


def _complete_code_point(point: dict) -> dict:
    """The point with a complete code and p_n = 2^{-ℓ_n}, where L = H."""
    lengths = comb_code(point[K])
    with mpmath.workdps(2 * WORKING_DIGITS):
        probabilities = [None] + [mpmath.mpf(2) ** -length for length in lengths[1:]]
    return {**point, ell_: lengths, p_: probabilities}


def _in_bits(expr: sp.Expr) -> sp.Expr:
    return expr.replace(log2, lambda arg: sp.log(arg) / sp.log(2))


@derivation("coding.kraft", title="Kraft's inequality", page=PAGE)
def kraft(d: Derivation) -> None:
    d.varies(K, Count(2, 50, log_uniform=True))
    d.varies(ell_, PrefixCode(K))
    d.sample_size(KRAFT_SAMPLES)
    deepest = longest(ell_, K)

    chain = d.equation(kraft_sum_definition(ell_, K))
    scaled = chain.step(2 ** -deepest * sp.Sum(2 ** (deepest - ell_[n]), (n, 1, K)),
                        rf"multiply and divide by $2^{{{latex(deepest)}}}$, where ${latex(deepest)}$ is the longest "
                        r"codeword length")
    counted = chain.step(sp.Mul(2 ** -deepest, 2 ** deepest, evaluate=False),
                         rf"codeword $n$ is the start of ${latex(scaled.args[-1].function)}$ of the "
                         rf"$2^{{{latex(deepest)}}}$ binary words of length ${latex(deepest)}$; no codeword is the "
                         r"start of another, so these sets do not overlap", relation="<=")
    chain.result(counted.doit(), "cancel", claim=sp.Integer(1))
    chain.equality_when(lambda point: {**point, ell_: comb_code(point[K])},
                        "every node of the code tree has two children (here 0, 10, 110, ..., 1...1)")

    lengths = [len(word) for word in CODE_B]
    terms = [sp.Pow(2, -length, evaluate=False) for length in lengths]
    weather = d.equation(sp.Add(*terms, evaluate=False))
    weather.result(sp.Add(*terms), rf"country B's code {', '.join(CODE_B)}: lengths {', '.join(map(str, lengths))}",
                   claim=sp.Integer(1))


@derivation("coding.weather_average", title="Average length of the weather code", page=PAGE, status="value")
def weather_average(d: Derivation) -> None:
    lengths = [len(word) for word in CODE_B]
    for symbol, weights, words in ((sp.Symbol("L_B^p"), WEATHER_P, "B's weather p"),
                                   (sp.Symbol("L_B^q"), WEATHER_Q, "A's weather q")):
        terms = [sp.Mul(w, length, evaluate=False) for w, length in zip(weights, lengths)]
        d.where(symbol, sp.Add(*terms))
        chain = d.equation(symbol)
        listed = chain.step(sp.Add(*terms, evaluate=False),
                            rf"$\sum_n p_n \ell_n$ with the probabilities of {words} and B's lengths "
                            rf"{', '.join(map(str, lengths))}")
        chain.result(sp.nsimplify(listed.doit()), "add", claim=sum(w * length for w, length in zip(weights, lengths)))


@derivation("coding.source_bound", title="The source-coding bound", page=PAGE,
            needs=("entropy.log_bound", "coding.kraft"))
def source_bound(d: Derivation) -> None:
    d.varies(K, Count(2, 50, log_uniform=True))
    d.varies(p_, Distribution(K, zeros=False))
    d.varies(ell_, PrefixCode(K))
    d.given(sums_to_one(p_, K))
    d.where(L, average_length_definition(p_, ell_, K))
    d.where(L_S, average_length_definition(p_, lam_, K))
    d.where(H_bits(p_), -sp.Sum(p_[n] * log2(p_[n]), (n, 1, K)))
    d.where(lam_, lambda index: sp.ceiling(-log2(p_[index])))
    d.sample_size(SOURCE_SAMPLES)
    log_bound = d.use("entropy.log_bound").equations[0]
    kraft_bound = d.use("coding.kraft").equations[0]

    chain = d.equation(L)
    chain.step(average_length_definition(p_, ell_, K), "average length")
    ratio = 2 ** -ell_[n] / p_[n]
    chain.step(H_bits(p_) - sp.Sum(p_[n] * log2(ratio), (n, 1, K)),
               r"add and subtract $H_{\mathrm{bits}}(p) = -\sum_n p_n \log_2 p_n$, and write "
               r"$\ell_n + \log_2 p_n = -\log_2(2^{-\ell_n}/p_n)$")
    below = log_bound.claim.subs(sp.Symbol("x", positive=True), ratio)
    linear = chain.step(H_bits(p_) - sp.Sum(sp.expand(p_[n] * below), (n, 1, K)) / sp.log(2),
                        r"$\log_2 x = \ln x / \ln 2 \le (x - 1)/\ln 2$ ({{ ref: entropy.log_bound }}) with "
                        r"$x = 2^{-\ell_n}/p_n$", relation=">=")
    split = chain.step(H_bits(p_) - (kraft_bound.lhs - sp.Sum(p_[n], (n, 1, K))) / sp.log(2), "split the sum")
    at_most = split.subs(kraft_bound.lhs, kraft_bound.claim).subs(sp.Sum(p_[n], (n, 1, K)), 1)
    chain.result(at_most, r"Kraft: $\sum_n 2^{-\ell_n} \le 1$ ({{ ref: coding.kraft }}), and $\sum_n p_n = 1$",
                 claim=H_bits(p_), relation=">=")
    chain.equality_when(_complete_code_point, r"$p_n = 2^{-\ell_n}$ for every $n$ (a complete code)")
    for first, second in ((1, 1), (1, 2), (2, 1), (1, 3)):
        chain.prove_by_derivatives(p_[1], {K: 2, ell_[1]: first, ell_[2]: second})

    shannon = d.equation(L_S)
    shannon.step(average_length_definition(p_, lam_, K),
                 r"the Shannon code: lengths $\lambda_n = \lceil -\log_2 p_n \rceil$, for $p_n > 0$")
    shannon.step(sp.Sum(p_[n] * (1 - log2(p_[n])), (n, 1, K)),
                           r"$\lceil a \rceil < a + 1$", relation="<")
    one_plus = shannon.step(sp.Sum(p_[n], (n, 1, K)) + H_bits(p_), "split the sum")
    shannon.result(one_plus.subs(sp.Sum(p_[n], (n, 1, K)), 1), r"$\sum_n p_n = 1$", claim=H_bits(p_) + 1)

    exists = d.equation(kraft_sum_definition(lam_, K))
    exists.step(sp.Sum(p_[n], (n, 1, K)), r"$\lambda_n \ge -\log_2 p_n$, so $2^{-\lambda_n} \le p_n$",
                relation="<=")
    exists.result(sp.Integer(1), r"$\sum_n p_n = 1$: by Kraft's converse a prefix code with these lengths exists",
                  claim=sp.Integer(1))


def weather_quantities() -> dict[str, sp.Expr]:
    """Entropies, cross-entropies and divergences of the weather, in bits, exactly."""
    p, q = WEATHER_P, WEATHER_Q

    def cross(data: tuple, model: tuple) -> sp.Expr:
        return sp.nsimplify(sp.simplify(-sum(a * _in_bits(log2(b)) for a, b in zip(data, model))))

    values = {
        "H(p)": cross(p, p), "H(q)": cross(q, q), "H(p, q)": cross(p, q), "H(q, p)": cross(q, p),
    }
    values["D(p||q)"] = values["H(p, q)"] - values["H(p)"]
    values["D(q||p)"] = values["H(q, p)"] - values["H(q)"]
    return values
