"""The published formulas pass their checks, with the promised coverage."""

from __future__ import annotations

PIPELINE_IDS = {
    "sigmoid.derivative", "sigmoid.bce_grad", "sigmoid.mse_grad", "softmax.jacobian",
    "softmax.ce_grad", "softmax.mse_grad", "softmax.two_class", "cross_entropy.one_hot",
}


def test_every_check_passed(formulas: dict) -> None:
    """All checks of all formulas pass."""
    failed = [(f.id, c.target, c.kind) for f in formulas.values() for c in f.checks if not c.passed]
    assert failed == []


def test_coverage_of_pipeline_results(formulas: dict) -> None:
    """Each result is checked symbolically and at 200+ points, every step too."""
    for formula_id in PIPELINE_IDS:
        formula = formulas[formula_id]
        for step in formula.steps():
            kinds = {c.kind for c in formula.checks if c.target == step.anchor}
            assert {"symbolic", "numeric"} <= kinds, (formula_id, step.anchor)
        numeric = [c for c in formula.checks if c.kind == "numeric"]
        assert numeric and min(c.points for c in numeric) >= 200
        assert max(c.max_error for c in numeric) <= 1e-12


def test_softmax_gradient_proven_for_each_count(formulas: dict) -> None:
    """softmax.ce_grad is proven for symbolic K and again for K = 2..8."""
    checks = formulas["softmax.ce_grad"].checks
    per_count = [c for c in checks if c.kind == "symbolic, each K"]
    assert per_count and all(c.passed for c in per_count)
    assert all("K = 2..8" in c.detail for c in per_count)


def test_sigmoid_derivative_is_derived_not_declared() -> None:
    """σ has no derivative of its own: SymPy cannot differentiate it unexpanded."""
    import sympy as sp

    from derivations.definitions import sigma, z

    assert isinstance(sp.diff(sigma(z), z), sp.Derivative)
