"""reference.py against mpmath at 50 digits, at seeded random points and at extremes.

Tolerances (float64 has eps = 2.2e-16):

* losses, sigmoid, softmax, log-softmax: relative error ≤ ULPS · eps with
  ULPS = 8, wherever the exact result is a normal float64;
* gradients: |error| ≤ ULPS · eps · (|y_k Σt| + |t_k|), a few units of the
  larger of the two terms subtracted; for one-hot targets that is relative
  accuracy, since one of the two terms is then 0 or the subtraction is done
  without cancellation;
* softmax entries, and gradient entries built from them, get a further
  factor (1 + |a_k - max a|): e^x has condition number |x|, and the shifted
  logit a_k - max a is itself rounded, so an entry e^{-384} carries a
  relative error of about 384 eps in any float64 code that shifts;
* losses and log-softmax likewise get a factor (1 + κ), κ = Σ_j |∂f/∂a_j|
  |a_j - max a| / |f| the relative condition number of the function in the
  shifted logits: it is about 1 except when the loss is tiny (a confident,
  correct model: E ≈ e^{a_j - max a}, κ ≈ |a_j - max a|).
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from derivations import reference

ULPS = 8
EPS = np.finfo(float).eps
TINY = np.finfo(float).tiny
DIGITS = 50

EXTREME_BATCHES = [
    np.array([[1000.0, -1000.0, 0.0]]),
    np.array([[1000.0, 1001.0, 1002.0]]),
    np.array([[-1000.0, -1001.0, -1002.0]]),
    np.array([[50.0, 0.0, 0.0]]),
    np.array([[0.0, 0.0, 0.0]]),
    np.array([[745.0, -745.0]]),
]


def _exact_log_softmax(row):
    with mpmath.workdps(DIGITS):
        a = [mpmath.mpf(float(v)) for v in row]
        top = max(range(len(a)), key=lambda k: a[k])
        # ln Σ e^{a_j} = max + log1p(rest): at 50 digits, a rest of 1e-180
        # would otherwise vanish against the maximum.
        rest = mpmath.fsum(mpmath.exp(v - a[top]) for k, v in enumerate(a) if k != top)
        return [(v - a[top]) - mpmath.log1p(rest) for v in a]


def _exact_ce(row, target):
    with mpmath.workdps(DIGITS):
        logs = _exact_log_softmax(row)
        return -mpmath.fsum(mpmath.mpf(float(p)) * lg for p, lg in zip(target, logs) if p != 0)


def _exact_ce_grad(row, target):
    with mpmath.workdps(DIGITS):
        y = [mpmath.exp(v) for v in _exact_log_softmax(row)]
        total = mpmath.fsum(mpmath.mpf(float(p)) for p in target)
        return [yk * total - mpmath.mpf(float(p)) for yk, p in zip(y, target)], [abs(yk * total) for yk in y]


def _condition(row, value, slopes):
    """Σ_j |slope_j| |a_j - max a| / |value|, in mpmath."""
    with mpmath.workdps(DIGITS):
        top = max(float(v) for v in row)
        if value == 0:
            return 0.0
        return float(mpmath.fsum(abs(g) * abs(mpmath.mpf(float(a)) - top) for g, a in zip(slopes, row)) / abs(value))


def _assert_relative(got, exact, what, condition=0.0):
    exact = float(exact)
    if abs(exact) < TINY:
        assert abs(got) <= TINY, f"{what}: got {got!r}, exact {exact!r}"
        return
    error = abs(got - exact) / abs(exact)
    assert error <= ULPS * EPS * (1 + condition), f"{what}: got {got!r}, exact {exact!r}, relative error {error:.2e}"


def _batches():
    rng = np.random.default_rng(20261203)
    batches = list(EXTREME_BATCHES)
    for spread in (0.5, 3.0, 30.0, 500.0):
        batches.append(rng.normal(0.0, spread, size=(6, 4)))
    return batches


def _targets(logits, rng):
    size = logits.shape[1]
    onehot = np.eye(size)[rng.integers(0, size, size=len(logits))]
    top = np.eye(size)[logits.argmax(axis=1)]
    soft = rng.dirichlet([0.5] * size, size=len(logits))
    soft[:, 0] = 0.0
    soft /= soft.sum(axis=1, keepdims=True)
    return [onehot, top, soft]


@pytest.mark.parametrize("logits", _batches(), ids=lambda a: f"shape{a.shape}-max{np.abs(a).max():.0f}")
def test_cross_entropy_and_gradient_match_mpmath(logits):
    """Per-example losses to a few ulps; gradients to a few ulps of their terms; never nan/inf."""
    rng = np.random.default_rng(7)
    for target in _targets(logits, rng):
        losses = reference.cross_entropy(logits, target, reduction="none")
        grads = reference.cross_entropy_grad(logits, target, reduction="none")
        assert np.all(np.isfinite(losses)) and np.all(np.isfinite(grads))
        for row, t, loss, grad in zip(logits, target, losses, grads):
            exact, scale = _exact_ce_grad(row, t)
            value = _exact_ce(row, t)
            _assert_relative(loss, value, f"cross_entropy at {row}, t={t}", _condition(row, value, exact))
            for k, (g, e, s) in enumerate(zip(grad, exact, scale)):
                spread = 1 + abs(row[k] - row.max())
                bound = ULPS * EPS * (float(s) * spread + abs(t[k])) + TINY
                assert abs(g - float(e)) <= bound, f"gradient {k} at {row}, t={t}: got {g!r}, exact {float(e)!r}"


@pytest.mark.parametrize("logits", _batches(), ids=lambda a: f"shape{a.shape}-max{np.abs(a).max():.0f}")
def test_log_softmax_and_softmax_match_mpmath(logits):
    """log_softmax to a few ulps (absolute near 0 is relative too); softmax likewise where normal."""
    for row, got_logs, got in zip(logits, reference.log_softmax(logits), reference.softmax(logits)):
        exact_logs = _exact_log_softmax(row)
        with mpmath.workdps(DIGITS):
            outputs = [mpmath.exp(v) for v in exact_logs]
        for k, (g_log, g, e) in enumerate(zip(got_logs, got, exact_logs)):
            slopes = [(1 if j == k else 0) - outputs[j] for j in range(len(row))]
            _assert_relative(g_log, e, f"log_softmax at {row}", _condition(row, e, slopes))
            with mpmath.workdps(DIGITS):
                exact = mpmath.exp(e)
            if exact > TINY:
                error = abs(g - float(exact)) / float(exact)
                spread = 1 + abs(row.max() - row[list(got).index(g)])
                assert error <= ULPS * EPS * spread, f"softmax at {row}: got {g!r}, exact {float(exact)!r}"


@pytest.mark.parametrize("z", [-1000.0, -745.0, -40.0, -1.0, 0.0, 1e-8, 2.5, 36.0, 40.0, 745.0, 1000.0])
@pytest.mark.parametrize("t", [0.0, 1.0, 0.3])
def test_binary_cross_entropy_matches_mpmath(z, t):
    """Loss and σ(z) - t from the logit, to a few ulps (of the larger term for the gradient)."""
    with mpmath.workdps(DIGITS):
        zz, tt = mpmath.mpf(z), mpmath.mpf(t)
        sig = 1 / (1 + mpmath.exp(-zz))
        log_sig = -mpmath.log1p(mpmath.exp(-zz)) if z > -700 else zz - mpmath.log1p(mpmath.exp(zz))
        log_one_minus = -mpmath.log1p(mpmath.exp(zz)) if z < 700 else -zz - mpmath.log1p(mpmath.exp(-zz))
        loss = -(tt * log_sig + (1 - tt) * log_one_minus)
        grad = sig - tt
    got_loss = float(reference.binary_cross_entropy(np.array(z), np.array(t)))
    got_grad = float(reference.binary_cross_entropy_grad(np.array(z), np.array(t)))
    _assert_relative(got_loss, loss, f"binary_cross_entropy({z}, {t})")
    bound = ULPS * EPS * (float(abs(sig)) * (1 - t) + t * float(abs(1 - sig))) + TINY
    assert abs(got_grad - float(grad)) <= max(bound, ULPS * EPS * abs(float(grad))), (z, t, got_grad, float(grad))
    _assert_relative(float(reference.sigmoid(np.array(z))), sig, f"sigmoid({z})")


def test_zero_targets_contribute_nothing():
    """0 ln 0 = 0: a target of 0 on a class whose probability rounds to 0 adds exactly 0."""
    logits = np.array([0.0, -1000.0])
    assert reference.cross_entropy(logits, np.array([1.0, 0.0])) == pytest.approx(0.0, abs=1e-300)
    assert reference.binary_cross_entropy(np.array(-1000.0), np.array(0.0)) == 0.0


def test_reductions_and_shapes():
    """mean divides by N, sum does not, none keeps one value per example; indices equal one-hot."""
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(5, 3))
    labels = rng.integers(0, 3, size=5)
    per_example = reference.cross_entropy(logits, labels, reduction="none")
    assert per_example.shape == (5,)
    assert reference.cross_entropy(logits, labels) == pytest.approx(per_example.mean(), rel=1e-15)
    assert reference.cross_entropy(logits, labels, reduction="sum") == pytest.approx(per_example.sum(), rel=1e-15)
    assert np.allclose(reference.cross_entropy_grad(logits, labels) * 5,
                       reference.cross_entropy_grad(logits, np.eye(3)[labels], reduction="sum"), rtol=1e-15, atol=0)
    assert float(reference.cross_entropy(logits[0], labels[0])) == pytest.approx(per_example[0], rel=1e-15)
    with pytest.raises(ValueError, match="reduction"):
        reference.cross_entropy(logits, labels, reduction="average")


def test_gradients_match_finite_differences():
    """Each gradient against central differences of its own loss, at moderate inputs."""
    rng = np.random.default_rng(11)
    logits = rng.normal(size=(4, 3))
    soft = rng.dirichlet([1.0] * 3, size=4)
    step = 1e-6
    for loss, grad, target in ((reference.cross_entropy, reference.cross_entropy_grad, soft),
                               (reference.binary_cross_entropy, reference.binary_cross_entropy_grad, soft),
                               (reference.mse, reference.mse_grad, soft)):
        numeric = np.zeros_like(logits)
        for index in np.ndindex(logits.shape):
            moved = logits.copy()
            moved[index] += step
            up = loss(moved, target)
            moved[index] -= 2 * step
            numeric[index] = (up - loss(moved, target)) / (2 * step)
        assert np.allclose(grad(logits, target), numeric, rtol=1e-6, atol=1e-9), loss.__name__
