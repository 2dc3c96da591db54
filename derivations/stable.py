"""Tables of ``stable-code.md``, ``convexity-likelihood.md`` and ``pytorch-crosscheck.md``.

Numbers on these pages are computed here at build time: the Hessian's
eigenvalues in mpmath, what clipping does to a badly wrong model, the code
of :mod:`derivations.reference`, and the differences from PyTorch.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import logging
from pathlib import Path
from typing import Any

import mpmath
import numpy as np

from derivations import reference
from derivations.artifacts import table

logger = logging.getLogger(__name__)

#: Digits of the eigenvalue computation; float64 rounds the zero eigenvalue
#: to ±1e-17 and sometimes below zero.
EIGEN_DIGITS = 50
#: The offset inside the logarithm, and the clipping bound, of common code.
OFFSET = 1e-7
#: The last committed PyTorch cross-check.
BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "torch_crosscheck.json"


def hessian_eigenvalues(logits: list[float], digits: int = EIGEN_DIGITS) -> list[mpmath.mpf]:
    """Eigenvalues of diag(y) - y yᵀ, y = softmax(logits), at ``digits`` digits."""
    with mpmath.workdps(digits):
        exps = [mpmath.exp(mpmath.mpf(a)) for a in logits]
        total = mpmath.fsum(exps)
        y = [e / total for e in exps]
        size = len(y)
        matrix = mpmath.matrix(size, size)
        for row in range(size):
            for col in range(size):
                matrix[row, col] = (y[row] if row == col else 0) - y[row] * y[col]
        values = mpmath.eigsy(matrix, eigvals_only=True)
        return sorted(values[n] for n in range(size))


@table("convexity.hessian_eigenvalues")
def hessian_eigenvalue_table(formulas: dict[str, Any]) -> str:
    """Smallest and largest eigenvalue at a few logit vectors, mpmath and float64."""
    cases = [[0.0, 0.0, 0.0], [2.0, -1.0, 0.5, 3.0], [10.0, 0.0, -10.0], [30.0, 0.0, -30.0, 5.0]]
    lines = ["| logits $a$ | smallest (mpmath, 50 digits) | next (mpmath) | largest (mpmath) | smallest (float64, NumPy) |",
             "|---|---|---|---|---|"]
    for logits in cases:
        values = hessian_eigenvalues(logits)
        y = reference.softmax(np.array(logits))
        float_values = np.linalg.eigvalsh(np.diag(y) - np.outer(y, y))
        shown = ", ".join(f"{v:g}" for v in logits)
        smallest = "0 (below $10^{-50}$ in size)" if abs(values[0]) < mpmath.mpf("1e-50") else mpmath.nstr(values[0], 3)
        lines.append(f"| ({shown}) | {smallest} | {mpmath.nstr(values[1], 6)} "
                     f"| {mpmath.nstr(values[-1], 6)} | {float_values[0]:.2e} |")
    return "\n".join(lines)


def _exact_binary(z: float, t: float) -> tuple[mpmath.mpf, mpmath.mpf]:
    with mpmath.workdps(50):
        y = 1 / (1 + mpmath.exp(-mpmath.mpf(z)))
        loss = -(t * mpmath.log(y) + (1 - t) * mpmath.log(1 - y)) if t not in (0, 1) else (
            -mpmath.log(y) if t == 1 else -mpmath.log(1 - y))
        return loss, y - t


def clipped_binary(z: float, t: float, delta: float = OFFSET) -> tuple[float, float]:
    """Loss and gradient by z when σ(z) is clipped to [δ, 1 - δ] first.

    The clip is flat outside [δ, 1 - δ], so there the gradient is exactly 0.
    """
    y = float(reference.sigmoid(z))
    clipped = min(max(y, delta), 1 - delta)
    loss = -(t * np.log(clipped) + (1 - t) * np.log(1 - clipped))
    inside = delta < y < 1 - delta
    slope = y * (1 - y) if inside else 0.0
    return float(loss), float((-(t / clipped) + (1 - t) / (1 - clipped)) * slope)


def offset_binary(z: float, t: float, delta: float = OFFSET) -> tuple[float, float]:
    """Loss and gradient by z with δ added inside both logarithms."""
    y = float(reference.sigmoid(z))
    loss = -(t * np.log(y + delta) + (1 - t) * np.log(1 - y + delta))
    slope = float(reference.sigmoid_grad(z))
    return float(loss), float((-(t / (y + delta)) + (1 - t) / (1 - y + delta)) * slope)


@table("stable.clipping")
def clipping_table(formulas: dict[str, Any]) -> str:
    """A badly wrong neuron (target 0, growing z): exact, offset, clipped, from logits."""
    lines = [("| $z$ (target $t = 0$) | exact loss | exact $\\partial E/\\partial z$ "
              "| $+\\delta$ in log: loss | gradient | clipped: loss | gradient | from logits: loss | gradient |"),
             "|---|---|---|---|---|---|---|---|---|"]
    for z in (5.0, 10.0, 16.0, 20.0, 40.0):
        loss, grad = _exact_binary(z, 0)
        offset = offset_binary(z, 0.0)
        clipped = clipped_binary(z, 0.0)
        stable_loss = float(reference.binary_cross_entropy(np.array(z), np.array(0.0)))
        stable_grad = float(reference.binary_cross_entropy_grad(np.array(z), np.array(0.0)))
        lines.append(f"| {z:g} | {mpmath.nstr(loss, 6)} | {mpmath.nstr(grad, 6)} | {offset[0]:.6g} | {offset[1]:.4g} "
                     f"| {clipped[0]:.6g} | {clipped[1]:.4g} | {stable_loss:.6g} | {stable_grad:.6g} |")
    return "\n".join(lines)


@table("reference.code")
def reference_code(formulas: dict[str, Any]) -> str:
    """The source of :mod:`derivations.reference`, as a fenced Python block."""
    source = inspect.getsource(reference)
    return "```python\n" + source.rstrip("\n") + "\n```"


def torch_available() -> bool:
    """True when PyTorch can be imported in this build."""
    return importlib.util.find_spec("torch") is not None


@table("crosscheck.torch_now")
def torch_now_table(formulas: dict[str, Any]) -> str:
    """The cross-check measured in this build, or a note saying it was not."""
    if not torch_available():
        logger.info("torch is not installed: the cross-check table says it was not measured in this build")
        return ("*Not measured in this build: PyTorch is not installed here.  The last measured figures are in "
                "the next table.*")
    from derivations.crosscheck import measure

    return maxima_table(measure(formulas))


@table("crosscheck.torch_committed")
def torch_committed_table(formulas: dict[str, Any]) -> str:
    """The maxima last written to benchmarks/torch_crosscheck.json, with date and version."""
    if not BENCHMARK.exists():
        return "*No measurement committed yet: run `python benchmarks/torch_crosscheck.py`.*"
    record = json.loads(BENCHMARK.read_text(encoding="utf-8"))
    heading = f"Measured on {record['date']} with PyTorch {record['torch_version']}, NumPy {record['numpy_version']}.\n\n"
    return heading + maxima_table(record["maxima"])


def maxima_table(maxima: dict[str, dict[str, float]]) -> str:
    """Rows: what was compared; columns: largest difference in value and in gradient."""
    lines = ["| compared | inputs | largest relative difference, value | largest relative difference, gradient |",
             "|---|---|---|---|"]
    for row in maxima.values():
        lines.append(f"| {row['what']} | {row['inputs']} | {row['value']:.2e} | {row['gradient']:.2e} |")
    return "\n".join(lines)
