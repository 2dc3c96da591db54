"""Property-based tests: every bound holds at points hypothesis chooses.

Each test evaluates the left-hand side from its definition (Meaning.reference)
and the claimed bound (Meaning.evaluate) at a generated point, and asks
check.holds; hypothesis searches for a counterexample, shrinking any it finds.
"""

from __future__ import annotations

import functools

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations.check import holds
from derivations.core import derive_all
from derivations.definitions import K, ell_, p_, q_
from derivations.meaning import Meaning

SETTINGS = settings(max_examples=150, deadline=None)


@functools.lru_cache(maxsize=None)
def _formula(formula_id: str):  # noqa: ANN202
    formula = derive_all([formula_id])[formula_id]
    return formula, Meaning(formula)


def _bound_holds(formula_id: str, point: dict, equation: int = 0) -> bool:
    formula, meaning = _formula(formula_id)
    chain = formula.equations[equation]
    left = meaning.reference(chain.lhs, point)
    right = meaning.evaluate(chain.claim, point)
    return holds(chain.relation, left, right)


def _distribution(weights: list[float]) -> list:
    with mpmath.workdps(60):
        values = [mpmath.mpf(w) for w in weights]
        total = mpmath.fsum(values)
        return [None, *(value / total for value in values)]


weights = st.lists(st.one_of(st.just(0.0), st.floats(1e-30, 1.0), st.floats(1e-300, 1e-30)), min_size=2, max_size=30)
positive_weights = st.lists(st.floats(1e-30, 1.0), min_size=2, max_size=30)


@st.composite
def prefix_codes(draw: st.DrawFn, size: int) -> list:
    """Lengths of a binary tree grown by splitting leaves hypothesis picks."""
    leaves = [0]
    for _ in range(size - 1):
        chosen = draw(st.integers(0, len(leaves) - 1))
        depth = leaves.pop(chosen)
        leaves += [depth + 1, depth + 1]
    extra = draw(st.lists(st.integers(0, 2), min_size=size, max_size=size))
    return [None, *(depth + more for depth, more in zip(leaves, extra))]


@SETTINGS
@given(st.floats(1e-300, 1e6))
def test_log_bound(x: float) -> None:
    """ln x <= x - 1 for every x > 0."""
    formula, _ = _formula("entropy.log_bound")
    assert _bound_holds("entropy.log_bound", {next(iter(formula.variables)): mpmath.mpf(x)})


@SETTINGS
@given(st.data())
def test_gibbs_inequality(data: st.DataObject) -> None:
    """D_KL(p || q) >= 0, including zeros in p and zeros of q where p is zero."""
    p = data.draw(weights.filter(any))
    q = data.draw(st.lists(st.floats(1e-30, 1.0), min_size=len(p), max_size=len(p)))
    q = [0.0 if a == 0 and data.draw(st.booleans()) else b for a, b in zip(p, q)]
    point = {K: len(p), p_: _distribution(p), q_: _distribution(q)}
    assert _bound_holds("entropy.gibbs_inequality", point)
    assert _bound_holds("entropy.cross_ge_entropy", point)


@SETTINGS
@given(weights.filter(any))
def test_max_uniform(p: list[float]) -> None:
    """H(p) <= ln K."""
    assert _bound_holds("entropy.max_uniform", {K: len(p), p_: _distribution(p)})


@SETTINGS
@given(st.floats(0.0, 1.0))
def test_binary_entropy_at_most_one_bit(p: float) -> None:
    """H_b(p) <= 1."""
    formula, _ = _formula("entropy.binary")
    assert _bound_holds("entropy.binary", {next(iter(formula.variables)): mpmath.mpf(p)}, equation=2)


@SETTINGS
@given(st.data())
def test_kraft(data: st.DataObject) -> None:
    """Sum of 2^-l over a prefix code is at most 1."""
    size = data.draw(st.integers(2, 40))
    assert _bound_holds("coding.kraft", {K: size, ell_: data.draw(prefix_codes(size))})


@SETTINGS
@given(st.data())
def test_source_bound(data: st.DataObject) -> None:
    """H(p) <= L for any prefix code; the Shannon code has L < H(p) + 1 and satisfies Kraft."""
    p = data.draw(positive_weights)
    point = {K: len(p), p_: _distribution(p), ell_: data.draw(prefix_codes(len(p)))}
    for equation in range(3):
        assert _bound_holds("coding.source_bound", point, equation)


@st.composite
def engines(draw: st.DrawFn) -> dict:
    from derivations.topics.thermo import Q1, T1, T2, a, b

    hot = draw(st.floats(1.0, 5000.0))
    return {T1: mpmath.mpf(hot), T2: mpmath.mpf(hot * draw(st.floats(1e-3, 0.999))),
            Q1: mpmath.mpf(draw(st.floats(1e-6, 1e6))),
            a: mpmath.mpf(draw(st.floats(0.0, 0.45))), b: mpmath.mpf(draw(st.floats(0.0, 0.45)))}


@SETTINGS
@pytest.mark.parametrize("formula_id", ["thermo.clausius_two_reservoir", "thermo.carnot_bound"])
@given(point=engines())
def test_engines(formula_id: str, point: dict) -> None:
    """Q1/T1 - Q2/T2 <= 0 and eta <= 1 - T2/T1 for the model engines."""
    assert _bound_holds(formula_id, point)


@SETTINGS
@given(st.floats(1.0, 5000.0), st.floats(1e-3, 0.999), st.floats(1e-6, 1e6))
def test_heat_flow(hot: float, share: float, heat: float) -> None:
    """Heat flowing from hot to cold never lowers the total entropy."""
    from derivations.topics.thermo import Q, T_c, T_h

    assert _bound_holds("thermo.heat_flow", {T_h: mpmath.mpf(hot), T_c: mpmath.mpf(hot * share),
                                             Q: mpmath.mpf(heat)})


@SETTINGS
@given(st.floats(1e-3, 1e4), st.integers(1, 400))
def test_landauer(temperature: float, steps: int) -> None:
    """The stepwise erasure releases at least k_B T ln 2."""
    from derivations.topics.thermo import T, m

    assert _bound_holds("thermo.landauer", {T: mpmath.mpf(temperature), m: steps})
