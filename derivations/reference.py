"""Cross-entropy and its relatives in NumPy, computed from logits.

The page ``stable-code.md`` shows this module as it is; readers may copy it.
Every function takes float64 arrays and never returns nan or inf for finite
input: logits of ±1000, logits like (1000, 1001, 1002), targets with zeros
(0 ln 0 counts as 0).  The tests compare each function with mpmath at 50
digits (``tests/test_reference.py`` states the tolerances).

Shapes: a single example is a vector of K logits; a batch is an (N, K) array.
Targets are probability vectors of the same shape (one-hot or soft), or
integer class indices (shape () or (N,)).  Losses are reduced over examples
by ``reduction``: ``"mean"`` (the default), ``"sum"`` or ``"none"``.  The
gradients are of the reduced loss, by the logits.

>>> import numpy as np
>>> round(float(cross_entropy(np.array([1000.0, 1001.0, 1002.0]), 2)), 12)
0.407605964444
>>> float(binary_cross_entropy(np.array(-1000.0), np.array(1.0)))
1000.0
"""

from __future__ import annotations

import numpy as np

REDUCTIONS = ("mean", "sum", "none")


def _reduce(per_example: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        return per_example.mean() if per_example.ndim else per_example
    if reduction == "sum":
        return per_example.sum()
    if reduction == "none":
        return per_example
    raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _scale(per_example_grad: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean" and per_example_grad.ndim == 2:
        return per_example_grad / per_example_grad.shape[0]
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return per_example_grad


def _as_probabilities(logits: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Targets as probability vectors: integer class indices become one-hot."""
    t = np.asarray(t)
    if np.issubdtype(t.dtype, np.integer) and t.ndim == logits.ndim - 1:
        return np.eye(logits.shape[-1])[t]
    if t.shape != logits.shape:
        raise ValueError(f"targets of shape {t.shape} do not match logits of shape {logits.shape}")
    return t.astype(float)


def softplus(x: np.ndarray) -> np.ndarray:
    """ln(1 + e^x), without overflow: max(x, 0) + ln(1 + e^{-|x|})."""
    x = np.asarray(x, dtype=float)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1/(1 + e^{-z}); e^{-z} is only ever taken of z ≥ 0."""
    z = np.asarray(z, dtype=float)
    small = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + small), small / (1.0 + small))


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    """σ'(z) = σ(z) σ(-z), which keeps its digits when σ(z) is near 1."""
    return sigmoid(z) * sigmoid(-np.asarray(z, dtype=float))


def _shifted(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a - max(a), and ln Σ_j e^{a_j - max(a)} = ln(1 + rest) via log1p.

    ``rest`` leaves out one largest logit, whose term is exactly 1; log1p
    then keeps the digits of a small rest (a confident, correct model).
    """
    shifted = logits - logits.max(axis=-1, keepdims=True)
    terms = np.exp(shifted)
    top = np.argmax(logits, axis=-1)
    np.put_along_axis(terms, np.expand_dims(top, -1), 0.0, axis=-1)
    rest = terms.sum(axis=-1, keepdims=True)
    return shifted, np.log1p(rest)


def softmax(logits: np.ndarray) -> np.ndarray:
    """y_k = e^{a_k} / Σ_j e^{a_j}, computed from a - max(a)."""
    logits = np.asarray(logits, dtype=float)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    terms = np.exp(shifted)
    return terms / terms.sum(axis=-1, keepdims=True)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """ln y_k = (a_k - max a) - ln Σ_j e^{a_j - max a}."""
    shifted, log_total = _shifted(np.asarray(logits, dtype=float))
    return shifted - log_total


def cross_entropy(logits: np.ndarray, t: np.ndarray, reduction: str = "mean") -> np.ndarray:
    """E = -Σ_k t_k ln y_k with y = softmax(logits), from the logits.

    Written as Σ_k t_k (ln Σ_j e^{a_j - max} - (a_k - max)): every term is
    ≥ 0, so nothing cancels, and t_k = 0 contributes exactly 0.
    """
    logits = np.asarray(logits, dtype=float)
    t = _as_probabilities(logits, t)
    shifted, log_total = _shifted(logits)
    per_example = (t * (log_total - shifted)).sum(axis=-1)
    return _reduce(per_example, reduction)


def cross_entropy_grad(logits: np.ndarray, t: np.ndarray, reduction: str = "mean") -> np.ndarray:
    """∂E/∂a_k = y_k Σ_j t_j - t_k (y - t when t sums to 1).

    At a largest logit m, y_m Σt - t_m is computed as
    (Σ_{j≠m} t_j - t_m rest) / (1 + rest), which keeps its digits when the
    model is confident and right.
    """
    logits = np.asarray(logits, dtype=float)
    t = _as_probabilities(logits, t)
    y = softmax(logits)
    grad = y * t.sum(axis=-1, keepdims=True) - t
    top = np.expand_dims(np.argmax(logits, axis=-1), -1)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    terms = np.exp(shifted)
    np.put_along_axis(terms, top, 0.0, axis=-1)
    rest = terms.sum(axis=-1, keepdims=True)
    t_top = np.take_along_axis(t, top, axis=-1)
    others = _sum_except(t, top)
    np.put_along_axis(grad, top, (others - t_top * rest) / (1.0 + rest), axis=-1)
    return _scale(grad, reduction)


def _sum_except(values: np.ndarray, position: np.ndarray) -> np.ndarray:
    masked = values.copy()
    np.put_along_axis(masked, position, 0.0, axis=-1)
    return masked.sum(axis=-1, keepdims=True)


def binary_cross_entropy(logit: np.ndarray, t: np.ndarray, reduction: str = "mean") -> np.ndarray:
    """E = -(t ln σ(z) + (1 - t) ln(1 - σ(z))) from the logit z.

    ln σ(z) = -softplus(-z) and ln(1 - σ(z)) = -softplus(z), so
    E = t softplus(-z) + (1 - t) softplus(z): two terms ≥ 0, no cancellation.
    Several labels per example (an (N, K) array) are summed per example.
    """
    z = np.asarray(logit, dtype=float)
    t = np.asarray(t, dtype=float)
    per_label = t * softplus(-z) + (1 - t) * softplus(z)
    per_example = per_label.sum(axis=-1) if per_label.ndim == 2 else per_label
    return _reduce(per_example, reduction)


def binary_cross_entropy_grad(logit: np.ndarray, t: np.ndarray, reduction: str = "mean") -> np.ndarray:
    """∂E/∂z = σ(z) - t, written (1 - t) σ(z) - t σ(-z) so that a hard
    target never subtracts two numbers close to 1."""
    z = np.asarray(logit, dtype=float)
    t = np.asarray(t, dtype=float)
    grad = (1 - t) * sigmoid(z) - t * sigmoid(-z)
    if reduction == "mean" and grad.ndim >= 1:
        return grad / grad.shape[0]
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return grad


def mse(outputs: np.ndarray, t: np.ndarray, reduction: str = "mean") -> np.ndarray:
    """C = ½ Σ_k (y_k - t_k)² per example (the site's convention, with the ½).

    PyTorch's ``mse_loss`` with reduction="mean" averages (y - t)² over every
    entry, without the ½: for K outputs it is 2C/K.
    """
    y = np.asarray(outputs, dtype=float)
    t = np.asarray(t, dtype=float)
    per_example = 0.5 * ((y - t) ** 2).sum(axis=-1)
    return _reduce(per_example, reduction)


def mse_grad(outputs: np.ndarray, t: np.ndarray, reduction: str = "mean") -> np.ndarray:
    """∂C/∂y_k = y_k - t_k (by the outputs, not the logits)."""
    y = np.asarray(outputs, dtype=float)
    return _scale(y - np.asarray(t, dtype=float), reduction)
