"""The worked example of the home page, computed from the derived formulas.

Three classes, logits a = (2, 1, 0.1), teacher data one-hot for class 1 and
a soft target; every number in the table is evaluated from the registered
SymPy objects (the softmax definition, the one-hot result and the gradient
y_k - t_k), at 30 significant digits, then rounded for print.
"""

from __future__ import annotations

import sympy as sp

from derivations.artifacts import table
from derivations.definitions import K, a_, k, softmax_definition, t_, y_

LOGITS = (sp.Integer(2), sp.Integer(1), sp.Rational(1, 10))
TARGETS = {
    "one-hot, class 1": (1, 0, 0),
    "soft, (0.7, 0.2, 0.1)": (sp.Rational(7, 10), sp.Rational(2, 10), sp.Rational(1, 10)),
}
DIGITS = 4


def _outputs() -> list[sp.Expr]:
    values = {a_[n + 1]: v for n, v in enumerate(LOGITS)}
    return [softmax_definition(a_, n, len(LOGITS)).doit().xreplace(values) for n in range(1, len(LOGITS) + 1)]


def _fmt(value: sp.Expr) -> str:
    return f"{float(sp.N(value, 30)):.{DIGITS}f}"


@table("home.worked_example")
def worked_example(formulas: dict) -> str:
    """Outputs, loss and gradient for the example logits and two targets."""
    outputs = _outputs()
    gradient = formulas["softmax.ce_grad"].equations[0].result
    rows = [
        "| teacher data $t$ | outputs $y_k$ | loss $E = -\\sum_k t_k \\ln y_k$ | gradient $\\partial E/\\partial a_k = y_k - t_k$ |",
        "|---|---|---|---|",
    ]
    for label, targets in TARGETS.items():
        loss = -sum(t * sp.log(y) for t, y in zip(targets, outputs) if t != 0)
        grads = []
        for n in range(1, len(LOGITS) + 1):
            value = gradient.xreplace({y_[k]: outputs[n - 1], t_[k]: targets[n - 1], k: n, K: len(LOGITS)})
            grads.append(_fmt(value))
        shown_y = ", ".join(_fmt(y) for y in outputs)
        rows.append(f"| {label} | ({shown_y}) | {_fmt(loss)} | ({', '.join(grads)}) |")
    return "\n".join(rows)
