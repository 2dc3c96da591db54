"""The training experiments of ``learning-slowdown.md``, run at build time.

Two experiments, both plain gradient descent in NumPy, both seeded:

1. One sigmoid neuron, input x = 1, target t = 0, from (w, b) = (0.6, 0.9)
   and from (2, 2), 300 epochs: squared error with η = 0.15, cross-entropy
   with η = 0.005 (the configuration of chapter 3 of Nielsen's *Neural
   Networks and Deep Learning*) and cross-entropy with η = 0.15 (the same
   step size as squared error).  The gradient by z is the derived formula,
   lambdified from the registry; by w it is x times that, by b it is that.
2. A linear softmax classifier on three seeded Gaussian blobs in the plane,
   squared error on the softmax outputs against cross-entropy, from the same
   seeded initialisation, each with its best learning rate from one grid.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

from derivations import reference
from derivations.artifacts import data_file, figure, table
from derivations.definitions import t, z

logger = logging.getLogger(__name__)

# -- the single neuron ------------------------------------------------------

#: Input, target and number of epochs of the single-neuron runs.
NEURON_INPUT = 1.0
NEURON_TARGET = 0.0
EPOCHS = 300
#: Starting (w, b): a neuron that is wrong, and one that is wrong and saturated.
STARTS = ((0.6, 0.9), (2.0, 2.0))
#: (cost, learning rate) of each run, in the order the page discusses them.
SCHEDULES = (("mse", 0.15), ("ce", 0.005), ("ce", 0.15))
#: Which equation of which formula gives ∂cost/∂z for each cost.
GRADIENT_SOURCES = {"mse": ("learning.mse_slowdown", 0), "ce": ("learning.ce_no_slowdown", 0)}

#: Mid-tone colours that read on a white and on a near-black background.
COLOURS = {("mse", 0.15): "#d95f02", ("ce", 0.005): "#1b9e77", ("ce", 0.15): "#7570b3"}
LINESTYLES = {(0.6, 0.9): "-", (2.0, 2.0): "--"}


def gradient_by_z(formulas: dict[str, Any], cost: str) -> Callable[[np.ndarray, float], np.ndarray]:
    """∂cost/∂z as a NumPy function of (z, t), from the derived formula.

    The claim of the equation is used: the checks proved it equal to the
    definition of the left-hand side.
    """
    formula_id, number = GRADIENT_SOURCES[cost]
    expression = formulas[formula_id].equations[number].claim
    if expression.has(sp.Derivative):
        raise ValueError(f"{formula_id}: the gradient {expression} still holds a derivative")
    return sp.lambdify((z, t), expression, modules=[{"sigma": reference.sigmoid}, "numpy"])


def cost_value(cost: str, z_value: float, target: float) -> float:
    """The cost of one example at pre-activation z: ½(σ(z) - t)² or binary cross-entropy."""
    if cost == "mse":
        return float(reference.mse(np.array([reference.sigmoid(z_value)]), np.array([target])))
    return float(reference.binary_cross_entropy(np.array(z_value), np.array(target)))


@dataclass
class NeuronRun:
    """One gradient-descent run of the single neuron."""

    cost: str
    w0: float
    b0: float
    eta: float
    outputs: list[float]
    costs: list[float]

    def as_json(self) -> dict[str, Any]:
        return {"cost": self.cost, "w0": self.w0, "b0": self.b0, "eta": self.eta, "outputs": self.outputs}


def train_neuron(gradient: Callable, cost: str, w: float, b: float, eta: float, epochs: int = EPOCHS) -> NeuronRun:
    """Gradient descent on (w, b); records output and cost before any update and after each."""
    start = (w, b)
    outputs, costs = [], []
    for epoch in range(epochs + 1):
        pre_activation = w * NEURON_INPUT + b
        outputs.append(float(reference.sigmoid(pre_activation)))
        costs.append(cost_value(cost, pre_activation, NEURON_TARGET))
        if epoch == epochs:
            break
        by_z = float(gradient(pre_activation, NEURON_TARGET))
        w -= eta * NEURON_INPUT * by_z
        b -= eta * by_z
    return NeuronRun(cost, start[0], start[1], eta, outputs, costs)


def neuron_runs(formulas: dict[str, Any]) -> list[NeuronRun]:
    """Every single-neuron run, from every start with every schedule."""
    runs = []
    for cost, eta in SCHEDULES:
        gradient = gradient_by_z(formulas, cost)
        for w0, b0 in STARTS:
            runs.append(train_neuron(gradient, cost, w0, b0, eta))
    return runs


@data_file("data/single_neuron.json")
def single_neuron_data(formulas: dict[str, Any]) -> dict[str, Any]:
    """The runs as JSON: cost, start, learning rate and the 301 outputs."""
    return {
        "input": NEURON_INPUT, "target": NEURON_TARGET, "epochs": EPOCHS,
        "runs": [run.as_json() for run in neuron_runs(formulas)],
    }


def _style(axes: plt.Axes) -> None:
    axes.set_facecolor("none")
    for spine in axes.spines.values():
        spine.set_color("#888888")
    axes.tick_params(colors="#888888")
    axes.xaxis.label.set_color("#888888")
    axes.yaxis.label.set_color("#888888")
    axes.title.set_color("#888888")
    axes.grid(color="#888888", alpha=0.25)


def _new_figure(columns: int) -> tuple[plt.Figure, list[plt.Axes]]:
    fig, axes = plt.subplots(1, columns, figsize=(4.2 * columns, 3.4), constrained_layout=True)
    fig.patch.set_alpha(0.0)
    axes = list(np.atleast_1d(axes))
    for ax in axes:
        _style(ax)
    return fig, axes


def _legend(ax: plt.Axes) -> None:
    legend = ax.legend(frameon=False, fontsize=8)
    for text in legend.get_texts():
        text.set_color("#888888")


def _label(run: NeuronRun) -> str:
    name = "squared error" if run.cost == "mse" else "cross-entropy"
    return f"{name}, η = {run.eta:g}"


def _neuron_figure(formulas: dict[str, Any], quantity: str) -> plt.Figure:
    fig, axes = _new_figure(2)
    runs = neuron_runs(formulas)
    for ax, (w0, b0) in zip(axes, STARTS):
        for run in runs:
            if (run.w0, run.b0) != (w0, b0):
                continue
            values = run.outputs if quantity == "output" else run.costs
            ax.plot(range(EPOCHS + 1), values, color=COLOURS[(run.cost, run.eta)], label=_label(run), linewidth=1.6)
        ax.set_title(f"start w = {w0:g}, b = {b0:g}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("output σ(w + b)" if quantity == "output" else "cost (each run its own)")
        _legend(ax)
    return fig


@figure("learning.neuron_output",
        alt="Output of one sigmoid neuron against epoch, for two starts and three runs each: squared error with "
            "learning rate 0.15, cross-entropy with 0.005, and cross-entropy with 0.15.")
def neuron_output_figure(formulas: dict[str, Any]) -> plt.Figure:
    return _neuron_figure(formulas, "output")


@figure("learning.neuron_cost",
        alt="Cost of one sigmoid neuron against epoch, for the same six runs: squared error for the "
            "squared-error run, binary cross-entropy for the cross-entropy runs.")
def neuron_cost_figure(formulas: dict[str, Any]) -> plt.Figure:
    return _neuron_figure(formulas, "cost")


@table("learning.neuron_final")
def neuron_final_table(formulas: dict[str, Any]) -> str:
    """Output after 0, 50, 100 and 300 epochs for every run."""
    lines = ["| start $(w, b)$ | cost | $\\eta$ | epoch 0 | epoch 50 | epoch 100 | epoch 300 |",
             "|---|---|---|---|---|---|---|"]
    for run in neuron_runs(formulas):
        name = "squared error" if run.cost == "mse" else "cross-entropy"
        cells = " | ".join(f"{run.outputs[epoch]:.4f}" for epoch in (0, 50, 100, EPOCHS))
        lines.append(f"| ({run.w0:g}, {run.b0:g}) | {name} | {run.eta:g} | {cells} |")
    return "\n".join(lines)


@table("learning.saturation")
def saturation_table(formulas: dict[str, Any]) -> str:
    """∂C/∂z and ∂E/∂z for t = 0 at growing z, from the derived formulas."""
    mse = gradient_by_z(formulas, "mse")
    ce = gradient_by_z(formulas, "ce")
    slope = sp.lambdify(z, formulas["learning.mse_slowdown"].equations[2].claim, modules="numpy")
    lines = ["| $z$ | $\\sigma(z)$ | $\\sigma'(z)$ | $\\partial C/\\partial z$ | $\\partial E/\\partial z$ |",
             "|---|---|---|---|---|"]
    for value in (0.0, 1.0, 2.0, 4.0, 6.0, 10.0):
        lines.append(f"| {value:g} | {float(reference.sigmoid(value)):.5f} | {float(slope(value)):.3e} "
                     f"| {float(mse(value, 0.0)):.3e} | {float(ce(value, 0.0)):.3e} |")
    return "\n".join(lines)


# -- the softmax classifier -------------------------------------------------

#: Seed of the data and of the initial weights.
SOFTMAX_SEED = 20261203
#: Three classes in the plane: centres, and the spread of each blob.
CENTRES = np.array([[0.0, 2.0], [-1.8, -1.0], [1.8, -1.0]])
SPREAD = 1.0
POINTS_PER_CLASS = 100
#: Scale of the initial weights: large enough that the softmax starts saturated.
INITIAL_SCALE = 3.0
SOFTMAX_EPOCHS = 300
#: The learning rates tried for each loss; the best is the one with the
#: highest final accuracy on held-out points, ties going to the smaller rate.
LEARNING_RATES = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


def blobs(seed: int = SOFTMAX_SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training and held-out points with integer labels, generated (no download)."""
    rng = np.random.default_rng(seed)

    def draw() -> tuple[np.ndarray, np.ndarray]:
        labels = np.repeat(np.arange(len(CENTRES)), POINTS_PER_CLASS)
        points = CENTRES[labels] + SPREAD * rng.normal(size=(labels.size, 2))
        return points, labels

    train_x, train_y = draw()
    test_x, test_y = draw()
    return train_x, train_y, test_x, test_y


def softmax_mse_grad_logits(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """∂C/∂a of C = ½ Σ_k (y_k - t_k)², y = softmax(a): Jᵀ(y - t) with
    J_ik = y_i (δ_ik - y_k), the softmax Jacobian (per example, not averaged)."""
    y = reference.softmax(logits)
    error = y - targets
    return y * (error - (y * error).sum(axis=-1, keepdims=True))


@dataclass
class SoftmaxRun:
    """One training run of the linear softmax classifier."""

    loss: str
    eta: float
    losses: list[float]
    accuracies: list[float]
    held_out_accuracy: float


def train_softmax(loss: str, eta: float) -> SoftmaxRun:
    """Full-batch gradient descent on W (2×3) and b (3) from the seeded start."""
    train_x, train_y, test_x, test_y = blobs()
    onehot = np.eye(len(CENTRES))[train_y]
    rng = np.random.default_rng(SOFTMAX_SEED + 1)
    weights = INITIAL_SCALE * rng.normal(size=(2, len(CENTRES)))
    bias = np.zeros(len(CENTRES))
    losses, accuracies = [], []
    for epoch in range(SOFTMAX_EPOCHS + 1):
        logits = train_x @ weights + bias
        if loss == "ce":
            losses.append(float(reference.cross_entropy(logits, train_y)))
            by_logits = reference.cross_entropy_grad(logits, train_y)
        else:
            losses.append(float(reference.mse(reference.softmax(logits), onehot)))
            by_logits = softmax_mse_grad_logits(logits, onehot) / len(train_y)
        accuracies.append(float((logits.argmax(axis=1) == train_y).mean()))
        if epoch == SOFTMAX_EPOCHS:
            break
        weights -= eta * train_x.T @ by_logits
        bias -= eta * by_logits.sum(axis=0)
    held_out = float(((test_x @ weights + bias).argmax(axis=1) == test_y).mean())
    return SoftmaxRun(loss, eta, losses, accuracies, held_out)


@functools.lru_cache(maxsize=1)
def softmax_grid() -> dict[str, list[SoftmaxRun]]:
    """Every (loss, learning rate) of the grid; computed once per build."""
    return {loss: [train_softmax(loss, eta) for eta in LEARNING_RATES] for loss in ("mse", "ce")}


def best_runs() -> dict[str, SoftmaxRun]:
    """For each loss, the run with the best held-out accuracy (ties: smaller η)."""
    return {loss: max(runs, key=lambda run: (run.held_out_accuracy, -run.eta)) for loss, runs in softmax_grid().items()}


@figure("learning.softmax_curves",
        alt="Loss and training accuracy against epoch for a linear softmax classifier on three Gaussian blobs, "
            "squared error against cross-entropy, each with its best learning rate.")
def softmax_curves_figure(formulas: dict[str, Any]) -> plt.Figure:
    fig, (loss_ax, accuracy_ax) = _new_figure(2)
    colours = {"mse": "#d95f02", "ce": "#7570b3"}
    for loss, run in best_runs().items():
        name = "squared error" if loss == "mse" else "cross-entropy"
        loss_ax.plot(run.losses, color=colours[loss], label=f"{name}, η = {run.eta:g}", linewidth=1.6)
        accuracy_ax.plot(run.accuracies, color=colours[loss], label=f"{name}, η = {run.eta:g}", linewidth=1.6)
    loss_ax.set_yscale("log")
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("loss (each run its own, log scale)")
    accuracy_ax.set_xlabel("epoch")
    accuracy_ax.set_ylabel("training accuracy")
    _legend(loss_ax)
    _legend(accuracy_ax)
    return fig


@table("learning.softmax_grid")
def softmax_grid_table(formulas: dict[str, Any]) -> str:
    """Final training loss and accuracies for every learning rate of the grid."""
    lines = ["| loss | $\\eta$ | final loss | training accuracy | held-out accuracy | epochs to 90% training accuracy |",
             "|---|---|---|---|---|---|"]
    for loss, runs in softmax_grid().items():
        name = "squared error" if loss == "mse" else "cross-entropy"
        for run in runs:
            reached = next((epoch for epoch, acc in enumerate(run.accuracies) if acc >= 0.9), None)
            lines.append(f"| {name} | {run.eta:g} | {run.losses[-1]:.4f} | {run.accuracies[-1]:.3f} "
                         f"| {run.held_out_accuracy:.3f} | {reached if reached is not None else 'not reached'} |")
    return "\n".join(lines)
