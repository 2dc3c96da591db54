"""The derivations of issue 4 pass their checks, and each check can fail."""

from __future__ import annotations

import copy

import mpmath
import pytest
import sympy as sp

from derivations.check import check_formula, failures
from derivations.core import derive_all
from derivations.definitions import t, z

NEW_IDS = (
    "learning.mse_slowdown", "learning.ce_no_slowdown", "sigmoid.mse_nonconvex",
    "likelihood.bernoulli", "likelihood.bernoulli_frequency", "likelihood.categorical",
    "softmax.ce_logsumexp", "softmax.ce_hessian", "softmax.ce_grad_label_smoothing",
    "softmax.ce_grad_class_weights", "softmax.ce_grad_log_offset", "sigmoid.multilabel_grad",
)


@pytest.fixture(scope="module")
def formulas():
    return derive_all(NEW_IDS)


@pytest.mark.parametrize("formula_id", NEW_IDS)
def test_passes_every_check(formulas, formula_id):
    """Every step, result and claim of the formula passes, symbolically and numerically."""
    formula = formulas[formula_id]
    results = check_formula(formula)
    assert results, f"{formula_id} ran no checks"
    assert not failures({formula_id: formula}), failures({formula_id: formula})


def _wrong(claim: sp.Expr, how: str) -> sp.Expr:
    if how == "sign":
        return -claim
    return 2 * claim


@pytest.mark.parametrize("how", ["sign", "factor"])
@pytest.mark.parametrize("formula_id", NEW_IDS)
def test_a_wrong_claim_fails_and_is_named(formulas, formula_id, how):
    """A sign flip or a missing factor of 2 in any claim fails both checks, naming the ID."""
    formula = copy.deepcopy(formulas[formula_id])
    formula.equations = formula.equations[:1]
    formula.equations[0].claim = _wrong(formula.equations[0].claim, how)
    formula.equations[0].counts = None
    check_formula(formula)
    messages = failures({formula_id: formula})
    claim_messages = [m for m in messages if ".claim-1" in m]
    assert any("symbolic" in m for m in claim_messages), messages
    assert any("numeric" in m for m in claim_messages), messages
    assert all(m.startswith(formula_id + ":") for m in messages)


def test_squared_error_curvature_changes_sign_where_derived(formulas):
    """∂²C/∂z², differentiated numerically from the definition, changes sign at σ(z) = s±."""
    result = formulas["sigmoid.mse_nonconvex"]
    lows = {binding[0].name: binding[1] for binding in result.bindings if isinstance(binding[0], sp.Symbol)}
    with mpmath.workdps(40):
        for target in (0, sp.Rational(1, 4), sp.Rational(1, 2), sp.Rational(9, 10), 1):
            loss = sp.lambdify(z, (1 / (1 + sp.exp(-z)) - target) ** 2 / 2, modules="mpmath")
            for name in ("s_-", "s_+"):
                root = mpmath.mpf(sp.N(lows[name].subs(t, target), 45))
                if root in (0, 1):
                    continue
                where = mpmath.log(root / (1 - root))
                left = mpmath.diff(loss, where - mpmath.mpf("1e-6"), 2)
                right = mpmath.diff(loss, where + mpmath.mpf("1e-6"), 2)
                assert left * right < 0, (target, name, left, right)
