"""The training experiments: the derived gradients against finite differences, and the data file."""

from __future__ import annotations

import json

import mpmath
import numpy as np
import pytest

from derivations import experiments, stable
from derivations.core import derive_all

#: Central differences with step 1e-6 agree with an exact gradient to about 1e-9.
FINITE_DIFFERENCE_TOLERANCE = 1e-8


@pytest.fixture(scope="module")
def formulas():
    return derive_all(["learning.mse_slowdown", "learning.ce_no_slowdown"])


@pytest.mark.parametrize("cost", ["mse", "ce"])
def test_lambdified_gradient_matches_finite_differences_of_the_loss(formulas, cost):
    """∂cost/∂z used in the training loop equals central differences of the cost itself."""
    gradient = experiments.gradient_by_z(formulas, cost)
    step = 1e-6
    for z in np.linspace(-8, 8, 33):
        for target in (0.0, 0.3, 1.0):
            numeric = (experiments.cost_value(cost, z + step, target) - experiments.cost_value(cost, z - step, target)) / (2 * step)
            assert abs(float(gradient(z, target)) - numeric) <= FINITE_DIFFERENCE_TOLERANCE, (cost, z, target)


def test_single_neuron_data_file_shape(formulas):
    """Six runs, each with cost, start, learning rate and 301 outputs in (0, 1), first output σ(w0 + b0)."""
    data = json.loads(json.dumps(experiments.single_neuron_data(formulas)))
    runs = data["runs"]
    assert len(runs) == 6
    assert {(run["cost"], run["eta"]) for run in runs} == {("mse", 0.15), ("ce", 0.005), ("ce", 0.15)}
    for run in runs:
        assert set(run) == {"cost", "w0", "b0", "eta", "outputs"}
        assert len(run["outputs"]) == experiments.EPOCHS + 1 == 301
        assert all(0 < value < 1 for value in run["outputs"])
        assert run["outputs"][0] == pytest.approx(1 / (1 + np.exp(-(run["w0"] + run["b0"]))), rel=1e-15)


def test_saturated_start_learns_slowly_with_squared_error_only(formulas):
    """From (2, 2) at η = 0.15, squared error has moved the output less than cross-entropy after 50 epochs."""
    runs = {(r.cost, r.eta, r.w0): r for r in experiments.neuron_runs(formulas)}
    assert runs[("mse", 0.15, 2.0)].outputs[50] > 0.9
    assert runs[("ce", 0.15, 2.0)].outputs[50] < 0.2


def test_softmax_mse_gradient_matches_finite_differences():
    """The squared-error gradient by the logits through the softmax, against central differences."""
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(3, 4))
    targets = np.eye(4)[[0, 2, 3]]
    step = 1e-6

    def loss(a):
        y = np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)
        return 0.5 * ((y - targets) ** 2).sum()

    numeric = np.zeros_like(logits)
    for index in np.ndindex(logits.shape):
        moved = logits.copy()
        moved[index] += step
        up = loss(moved)
        moved[index] -= 2 * step
        numeric[index] = (up - loss(moved)) / (2 * step)
    assert np.allclose(experiments.softmax_mse_grad_logits(logits, targets), numeric, atol=FINITE_DIFFERENCE_TOLERANCE)


def test_softmax_grid_is_seeded_and_picks_from_the_grid():
    """Two runs give the same curves; the chosen rates are in the stated grid."""
    first = experiments.train_softmax("ce", 1.0)
    second = experiments.train_softmax("ce", 1.0)
    assert first.losses == second.losses
    assert {run.eta for run in experiments.best_runs().values()} <= set(experiments.LEARNING_RATES)


@pytest.mark.parametrize("logits", [[0.0, 0.0, 0.0], [2.0, -1.0, 0.5, 3.0], [30.0, 0.0, -30.0, 5.0]])
def test_hessian_is_positive_semidefinite_and_singular(logits):
    """At 50 digits: one eigenvalue is 0 (to 1e-40), the others positive; the all-ones vector is in the kernel."""
    values = stable.hessian_eigenvalues(logits)
    assert abs(values[0]) < mpmath.mpf("1e-40")
    assert all(value > 0 for value in values[1:])
    with mpmath.workdps(50):
        exps = [mpmath.exp(mpmath.mpf(a)) for a in logits]
        y = [e / mpmath.fsum(exps) for e in exps]
        row_sums = [y[r] - y[r] * mpmath.fsum(y) for r in range(len(y))]
    assert max(abs(v) for v in row_sums) < mpmath.mpf("1e-45")


def test_clipping_zeroes_the_gradient_of_a_badly_wrong_model():
    """σ(20) > 1 - 1e-7 with target 0: the clipped gradient is exactly 0, the true one is about 1."""
    loss, grad = stable.clipped_binary(20.0, 0.0)
    assert grad == 0.0
    assert loss == pytest.approx(-np.log(stable.OFFSET), rel=1e-6)
    _, offset_grad = stable.offset_binary(20.0, 0.0)
    assert 0 < offset_grad < 0.05
