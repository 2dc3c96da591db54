"""Our losses and gradients against PyTorch's, in float64.

Two things are compared with ``torch.nn.functional``:

* :mod:`derivations.reference` at seeded random points and at the extreme
  inputs of its docstring;
* the derived textbook formulas, lambdified from the registry, at moderate
  inputs (|logit| ≤ 8): they are written for reading, not for overflow.

A difference is normwise relative: max |ours - torch| / max |torch| over one
case (a batch of values or a gradient array).  Used by the tests, by the
page's table and by ``benchmarks/torch_crosscheck.py``.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import sympy as sp

from derivations import reference
from derivations.definitions import K, a_, i, sigma, t, t_, y, y_, z

logger = logging.getLogger(__name__)

#: Largest normwise relative difference the tests accept, reference.py and torch.
REFERENCE_TOLERANCE = 1e-13
#: The same for the lambdified textbook formulas at moderate inputs.
FORMULA_TOLERANCE = 1e-12
SEED = 20261203
#: Extreme logit batches: huge, shifted, and one class far ahead.
EXTREME_LOGITS = [
    [[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]],
    [[1000.0, 1001.0, 1002.0], [-1002.0, -1001.0, -1000.0]],
    [[50.0, 0.0, 0.0], [0.0, 0.0, 50.0]],
]


def difference(ours: np.ndarray, theirs: np.ndarray, floor: float = 0.0) -> float:
    """max |ours - theirs| / max(max |theirs|, floor) (absolute when both are zero).

    Gradients use ``floor`` = 1/N, the largest an entry of a mean gradient of
    cross-entropy can be: where every entry is tiny (a confident, correct
    batch), torch forms y - t by subtracting from 1 and returns 0 for a true
    -1.9e-22 that reference.py keeps; that is a difference of 1.9e-22 on a
    scale of 1/N, not of 100 %.
    """
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    if not (np.all(np.isfinite(ours)) and np.all(np.isfinite(theirs))):
        return float("inf")
    scale = max(float(np.max(np.abs(theirs))) if theirs.size else 0.0, floor)
    return float(np.max(np.abs(ours - theirs)) / (scale if scale > 0 else 1.0))


def _cases(rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(logits, class indices, soft targets): seeded random batches, then extremes."""
    cases = []
    for spread in (1.0, 5.0, 30.0, 300.0):
        logits = rng.normal(0.0, spread, size=(16, 5))
        labels = rng.integers(0, 5, size=16)
        soft = rng.dirichlet([0.3] * 5, size=16)
        soft[:4] = np.eye(5)[labels[:4]]
        cases.append((logits, labels, soft))
    for logits in EXTREME_LOGITS:
        logits = np.array(logits)
        labels = np.array([0, 2])
        soft = np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])
        cases.append((logits, labels, soft))
    return cases


def _torch_value_and_grad(function: Any, logits: np.ndarray, *args: Any, **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    import torch

    tensor = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    value = function(tensor, *args, **kwargs)
    value.backward()
    return value.detach().numpy(), tensor.grad.numpy()


def measure_reference() -> dict[str, dict[str, Any]]:
    """reference.py against torch at random and extreme inputs."""
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(SEED)
    rows: dict[str, dict[str, Any]] = {}

    def record(name: str, what: str, inputs: str, value: float, gradient: float) -> None:
        row = rows.setdefault(name, {"what": what, "inputs": inputs, "value": 0.0, "gradient": 0.0})
        row["value"] = max(row["value"], value)
        row["gradient"] = max(row["gradient"], gradient)

    inputs = "random logits of size up to about 1000, and (1000, 1001, 1002)"
    for logits, labels, soft in _cases(rng):
        value, grad = _torch_value_and_grad(F.cross_entropy, logits, torch.tensor(labels))
        record("ce_indices", "`cross_entropy`, class indices, mean", inputs,
               difference(reference.cross_entropy(logits, labels), value),
               difference(reference.cross_entropy_grad(logits, labels), grad, 1 / len(logits)))
        value, grad = _torch_value_and_grad(F.cross_entropy, logits, torch.tensor(soft))
        record("ce_probabilities", "`cross_entropy`, probability targets, mean", inputs,
               difference(reference.cross_entropy(logits, soft), value),
               difference(reference.cross_entropy_grad(logits, soft), grad, 1 / len(logits)))
        smoothing = 0.1
        smoothed = (1 - smoothing) * np.eye(logits.shape[1])[labels] + smoothing / logits.shape[1]
        value, grad = _torch_value_and_grad(F.cross_entropy, logits, torch.tensor(labels), label_smoothing=smoothing)
        record("ce_smoothing", "`cross_entropy`, `label_smoothing=0.1`, mean", inputs,
               difference(reference.cross_entropy(logits, smoothed), value),
               difference(reference.cross_entropy_grad(logits, smoothed), grad, 1 / len(logits)))
        flat, targets = logits.ravel(), np.clip(soft.ravel() * 2, 0, 1)
        targets[:3] = [0.0, 1.0, 0.0]
        value, grad = _torch_value_and_grad(F.binary_cross_entropy_with_logits, flat, torch.tensor(targets))
        record("bce", "`binary_cross_entropy_with_logits`, mean", inputs,
               difference(reference.binary_cross_entropy(flat, targets), value),
               difference(reference.binary_cross_entropy_grad(flat, targets), grad, 1 / flat.size))
        outputs = reference.softmax(logits)
        # torch averages (y - t)^2 over all N*K entries with no 1/2; ours is
        # 1/2 sum over k, mean over N: torch = ours * 2 / K.
        value, grad = _torch_value_and_grad(F.mse_loss, outputs, torch.tensor(soft))
        size = logits.shape[1]
        record("mse", "`mse_loss` (rescaled by $2/K$), mean", "softmax outputs of the same logits",
               difference(reference.mse(outputs, soft) * 2 / size, value),
               difference(reference.mse_grad(outputs, soft) * 2 / size, grad))
    return rows


def measure_formulas(formulas: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The derived formulas, lambdified, against torch at moderate inputs."""
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(SEED + 1)
    logits = rng.normal(0.0, 3.0, size=(32, 4))
    labels = rng.integers(0, 4, size=32)
    onehot = np.eye(4)[labels]
    outputs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    rows: dict[str, dict[str, Any]] = {}
    inputs = "random logits, mostly of size below 8"

    loss = sp.lambdify([K, a_, t_], formulas["softmax.ce_logsumexp"].equations[0].claim, modules="math")
    ours_value = np.mean([loss(4, [None, *row], [None, *target]) for row, target in zip(logits, onehot)])
    smoothing = 0.1
    alpha = sp.Symbol("alpha", real=True, nonnegative=True)
    Y, T = sp.symbols("Y T", real=True)
    smoothed_grad = sp.lambdify((Y, T, alpha, K), formulas["softmax.ce_grad_label_smoothing"].equations[0].claim
                                .xreplace({y_[i]: Y, t_[i]: T}), modules="numpy")
    value, grad = _torch_value_and_grad(F.cross_entropy, logits, torch.tensor(labels))
    rows["formula_ce"] = {"what": "derived log-sum-exp form and label-smoothing gradient (α = 0) vs `cross_entropy`",
                          "inputs": inputs, "value": difference(ours_value, value),
                          "gradient": difference(smoothed_grad(outputs, onehot, 0.0, 4) / 32, grad)}
    value, grad = _torch_value_and_grad(F.cross_entropy, logits, torch.tensor(labels), label_smoothing=smoothing)
    smoothed = (1 - smoothing) * onehot + smoothing / 4
    smoothed_value = np.mean([loss(4, [None, *row], [None, *target]) for row, target in zip(logits, smoothed)])
    rows["formula_smoothing"] = {"what": "derived log-sum-exp form and label-smoothing gradient vs "
                                         "`cross_entropy(label_smoothing=0.1)`",
                                 "inputs": inputs, "value": difference(smoothed_value, value),
                                 "gradient": difference(smoothed_grad(outputs, onehot, smoothing, 4) / 32, grad)}

    flat = logits.ravel()
    targets = rng.uniform(0, 1, size=flat.size)
    bce = sp.lambdify((z, t), formulas["likelihood.bernoulli_frequency"].equations[0].claim.subs(y, sigma(z)),
                      modules=[{"sigma": lambda v: 1 / (1 + np.exp(-v))}, "numpy"])
    bce_grad = sp.lambdify((z, t), formulas["learning.ce_no_slowdown"].equations[0].claim,
                           modules=[{"sigma": lambda v: 1 / (1 + np.exp(-v))}, "numpy"])
    value, grad = _torch_value_and_grad(F.binary_cross_entropy_with_logits, flat, torch.tensor(targets))
    rows["formula_bce"] = {"what": "derived binary cross-entropy and $\\sigma(z) - t$ vs `binary_cross_entropy_with_logits`",
                           "inputs": inputs, "value": difference(np.mean(bce(flat, targets)), value),
                           "gradient": difference(bce_grad(flat, targets) / flat.size, grad)}

    mse_grad = sp.lambdify((z, t), formulas["learning.mse_slowdown"].equations[0].claim,
                           modules=[{"sigma": lambda v: 1 / (1 + np.exp(-v))}, "numpy"])

    def squared_error_through_sigmoid(tensor: Any, target: Any) -> Any:
        return 0.5 * F.mse_loss(torch.sigmoid(tensor), target, reduction="sum")

    value, grad = _torch_value_and_grad(squared_error_through_sigmoid, flat, torch.tensor(targets))
    ours = 0.5 * np.sum((1 / (1 + np.exp(-flat)) - targets) ** 2)
    rows["formula_mse"] = {"what": "derived $(\\sigma(z) - t)\\,\\sigma'(z)$ vs autograd of `mse_loss` through `sigmoid`",
                           "inputs": inputs, "value": difference(ours, value),
                           "gradient": difference(mse_grad(flat, targets), grad)}
    return rows


def measure(formulas: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every comparison, by name: what, inputs, largest value and gradient difference."""
    rows = measure_reference()
    rows.update(measure_formulas(formulas))
    return rows
