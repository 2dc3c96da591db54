"""Every check can fail: wrong claims are injected and must be caught."""

from __future__ import annotations

import copy

import pytest
import sympy as sp

from derivations.check import CheckFailure, check_all, check_formula
from derivations.core import derive_all
from derivations.definitions import K, i, j, k, sigma, t, t_, y_, z


def _with_claim(formula_id: str, wrong: sp.Expr, equation: int = 0):
    formula = copy.deepcopy(derive_all([formula_id])[formula_id])
    formula.equations[equation].claim = wrong
    return formula


WRONG_CLAIMS = [
    ("sigmoid.derivative", sigma(z) * (1 + sigma(z)), "sign flip"),
    ("sigmoid.derivative", sigma(z), "missing factor"),
    ("sigmoid.bce_grad", t - sigma(z), "sign flip"),
    ("sigmoid.mse_grad", (sigma(z) - t) * sigma(z), "missing factor"),
    ("softmax.jacobian", y_[i] * (sp.KroneckerDelta(i, j) - y_[i]), "swapped index"),
    ("softmax.ce_grad", t_[k] - y_[k], "sign flip"),
    ("softmax.ce_grad", y_[k] - t_[k] + y_[k] / K, "extra term"),
]


@pytest.mark.parametrize(("formula_id", "wrong", "mistake"), WRONG_CLAIMS)
def test_wrong_claim_fails_both_checks(formula_id: str, wrong: sp.Expr, mistake: str) -> None:
    """A wrong textbook form fails the symbolic and the numeric check of the claim."""
    formula = _with_claim(formula_id, wrong)
    results = [r for r in check_formula(formula) if r.target.endswith("claim-1")]
    kinds = {r.kind: r.passed for r in results}
    assert kinds["symbolic"] is False, mistake
    assert kinds["numeric"] is False, mistake
    numeric = next(r for r in results if r.kind == "numeric")
    assert "expected" in numeric.detail and "got" in numeric.detail and "at " in numeric.detail


def test_wrong_step_fails() -> None:
    """A wrong intermediate step is caught, not only a wrong result."""
    formula = copy.deepcopy(derive_all(["softmax.ce_grad"])["softmax.ce_grad"])
    formula.equations[0].steps[2].rhs = -formula.equations[0].steps[2].rhs
    failed = {r.target for r in check_formula(formula) if not r.passed}
    assert "softmax.ce_grad.step-3" in failed
    assert "softmax.ce_grad.step-2" not in failed


def test_concrete_counts_catch_a_wrong_claim() -> None:
    """The per-K proof fails too when the claim is wrong for some K."""
    formula = _with_claim("softmax.ce_grad", y_[k] - t_[k] + (K - 2) * y_[k])
    per_count = [r for r in check_formula(formula) if r.kind.startswith("symbolic, each")]
    claim = next(r for r in per_count if r.target.endswith("claim-1"))
    assert not claim.passed
    assert "K" in claim.detail


def test_failure_message_names_formula_point_and_values() -> None:
    """check_all raises a message with ID, check, point, expected and actual value."""
    formula = _with_claim("sigmoid.bce_grad", t - sigma(z))
    with pytest.raises(CheckFailure) as raised:
        check_all({formula.id: formula})
    message = str(raised.value)
    assert "sigmoid.bce_grad" in message
    assert "numeric check of sigmoid.bce_grad.claim-1 failed" in message
    assert "expected" in message and "got" in message and "relative error" in message
    assert "t=" in message and "b=" in message


def test_numeric_check_alone_can_fail() -> None:
    """A claim differing by 1e-9 relative passes no numeric check at 1e-12."""
    formula = _with_claim("sigmoid.derivative", sigma(z) * (1 - sigma(z)) * (1 + sp.Rational(1, 10**9)))
    numeric = next(r for r in check_formula(formula) if r.kind == "numeric" and r.target.endswith("claim-1"))
    assert not numeric.passed
    assert 5e-10 < numeric.max_error < 2e-9
