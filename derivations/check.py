"""The checks every formula passes before it is published.

For each equation ``lhs = step_1 = … = result`` with its claim:

* **symbolic**: every step, the result and the claim, each minus the
  meaning of ``lhs``, simplifies to zero, using the side conditions.  With
  ``for_each_count`` the same is shown again for every concrete number of
  classes.
* **numeric**: at seeded random points and at edge cases, every step, the
  result and the claim are evaluated in mpmath and compared with a reference
  computed from the definition of ``lhs`` alone (numerical differentiation
  for a derivative).  A check passes at relative error ≤
  :data:`RELATIVE_TOLERANCE` (absolute where the reference is zero).

A failure raises :class:`CheckFailure` naming the formula, the check, the
point, the expected and the actual value.
"""

from __future__ import annotations

import itertools
import logging
import zlib
from dataclasses import asdict, dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from derivations.algebra import normalize_sums
from derivations.core import Equation, Formula
from derivations.domains import Index, edge_points, format_point, random_points
from derivations.meaning import WORKING_DIGITS, Meaning

logger = logging.getLogger(__name__)

#: Largest relative error a numeric check accepts.
RELATIVE_TOLERANCE = mpmath.mpf("1e-12")
#: A reference this small counts as zero, and the error is then absolute.
ZERO_REFERENCE = mpmath.mpf("1e-30")
#: Seeded random points per formula, on top of the edge cases.
RANDOM_POINTS = 200
#: The seed of every sampler; each formula mixes in a hash of its ID.
SEED = 20261203


class CheckFailure(Exception):
    """A formula failed a check; the message says where and by how much."""


@dataclass
class CheckResult:
    """One check of one target (a step, the result or the claim)."""

    kind: str
    target: str
    points: int
    max_error: float
    passed: bool
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _seed(formula_id: str) -> int:
    return SEED + zlib.crc32(formula_id.encode())


def _targets(formula: Formula, equation: Equation) -> list[tuple[str, sp.Expr]]:
    targets = [(step.anchor, step.rhs) for step in equation.steps]
    if equation.claim is not None:
        targets.append((f"{formula.id}.claim-{formula.equations.index(equation) + 1}", equation.claim))
    return targets


# ---------------------------------------------------------------------------
# symbolic
# ---------------------------------------------------------------------------


def is_zero(expr: sp.Expr, thorough: bool = True) -> bool:
    """True when SymPy can show ``expr`` is identically zero.

    Cheapest first: most differences are rational functions of a few
    exponentials, which cancel() settles exactly; simplify() is the slow
    last resort for sums and logarithms, tried only when ``thorough``
    (the numeric check found no counterexample, so a proof is worth the
    time).
    """
    if expr == 0:
        return True
    attempts = [
        sp.cancel,
        lambda e: sp.expand(sp.numer(sp.together(sp.expand_log(e, force=True)))),
    ]
    if thorough:
        attempts += [
            lambda e: sp.simplify(e),
            lambda e: sp.simplify(sp.factor_terms(sp.expand(e.doit()))),
        ]
    for attempt in attempts:
        if attempt(expr) == 0:
            return True
    return False


def _remainder(expr: sp.Expr) -> str:
    text = str(sp.cancel(expr))
    return text if len(text) <= 300 else text[:300] + " ..."


def _apply_conditions(formula: Formula, meaning: Meaning, expr: sp.Expr) -> sp.Expr:
    expr = meaning.resolve_ranges(expr)
    if not expr.has(sp.Sum):
        return expr
    expr = normalize_sums(expr)
    for condition in formula.conditions:
        expr = condition.symbolic(expr)
    return expr


def symbolic_checks(formula: Formula, meaning: Meaning, equation: Equation, wrong: set[str]) -> list[CheckResult]:
    """Each target minus the meaning of lhs simplifies to zero.

    ``wrong`` holds the targets the numeric check already refuted; for them
    only the cheap simplifications are tried.
    """
    results = []
    reference = meaning.of(equation.lhs)
    for target, expr in _targets(formula, equation):
        difference = _apply_conditions(formula, meaning, meaning.of(expr) - reference)
        passed = is_zero(difference, thorough=target not in wrong)
        detail = "" if passed else f"could not show the difference is zero; it is {_remainder(difference)}"
        results.append(CheckResult("symbolic", target, 0, 0.0, passed, detail))
    return results


def _concrete(formula: Formula, meaning: Meaning, expr: sp.Expr, values: dict) -> sp.Expr:
    expr = meaning.of(expr).xreplace(values).doit()
    for condition in formula.conditions:
        expr = condition.concrete(expr, values)
    return expr


def count_checks(formula: Formula, meaning: Meaning, equation: Equation, wrong: set[str]) -> list[CheckResult]:
    """The chain again for every concrete count and every index value."""
    if equation.counts is None:
        return []
    count, sizes = equation.counts
    indices = [var for var, domain in formula.variables.items() if isinstance(domain, Index) and domain.count == count]
    results = []
    for target, expr in _targets(formula, equation):
        failures = []
        cases = 0
        for size in sizes:
            for chosen in itertools.product(range(1, size + 1), repeat=len(indices)):
                values = {count: size, **dict(zip(indices, chosen))}
                difference = _concrete(formula, meaning, expr, values) - _concrete(formula, meaning, equation.lhs, values)
                cases += 1
                if not is_zero(difference, thorough=target not in wrong):
                    failures.append(f"{values}: remainder {_remainder(difference)}")
                    if target in wrong:
                        break
        detail = f"{count} = {min(sizes)}..{max(sizes)}, {cases} cases"
        if failures:
            detail += "; failed at " + "; ".join(failures[:3])
        results.append(CheckResult(f"symbolic, each {count}", target, 0, 0.0, not failures, detail))
    return results


# ---------------------------------------------------------------------------
# numeric
# ---------------------------------------------------------------------------


def relative_error(actual: mpmath.mpf, expected: mpmath.mpf) -> mpmath.mpf:
    """|actual - expected| / |expected|, or the absolute error near zero."""
    if not (mpmath.isfinite(actual) and mpmath.isfinite(expected)):
        return mpmath.mpf(0) if actual == expected else mpmath.inf
    scale = abs(expected)
    return abs(actual - expected) / (scale if scale > ZERO_REFERENCE else 1)


def sample(formula: Formula) -> list[dict]:
    """The formula's points: edge cases first, then seeded random points."""
    rng = np.random.default_rng(_seed(formula.id))
    with mpmath.workdps(WORKING_DIGITS):
        return edge_points(formula.variables, rng) + random_points(formula.variables, rng, RANDOM_POINTS)


def numeric_checks(formula: Formula, meaning: Meaning, equation: Equation, points: list[dict]) -> list[CheckResult]:
    """Each target against the reference from the definition of lhs."""
    references = [meaning.reference(equation.lhs, point) for point in points]
    results = []
    for target, expr in _targets(formula, equation):
        worst = mpmath.mpf(0)
        detail = ""
        for point, expected in zip(points, references):
            actual = meaning.evaluate(expr, point)
            error = relative_error(actual, expected)
            if error > worst:
                worst = error
            if error > RELATIVE_TOLERANCE and not detail:
                detail = (
                    f"at {format_point(point)}: expected {mpmath.nstr(expected, 20)} "
                    f"(from the definition of {equation.lhs}), got {mpmath.nstr(actual, 20)}; "
                    f"relative error {mpmath.nstr(error, 3)} > {mpmath.nstr(RELATIVE_TOLERANCE, 3)}"
                )
        passed = worst <= RELATIVE_TOLERANCE
        results.append(CheckResult("numeric", target, len(points), float(worst), passed, detail))
    return results


def check_formula(formula: Formula) -> list[CheckResult]:
    """Run every check of ``formula``, store them on it and return them."""
    if formula.status in {"definition", "postulate"}:
        formula.checks = []
        return []
    meaning = Meaning(formula)
    points = sample(formula)
    results: list[CheckResult] = []
    for equation in formula.equations:
        numeric = numeric_checks(formula, meaning, equation, points)
        wrong = {result.target for result in numeric if not result.passed}
        results += symbolic_checks(formula, meaning, equation, wrong)
        results += count_checks(formula, meaning, equation, wrong)
        results += numeric
    formula.checks = results
    return results


def failures(formulas: dict[str, Formula]) -> list[str]:
    """One message per failed check, naming formula, check, point and values."""
    messages = []
    for formula in formulas.values():
        for result in formula.checks:
            if not result.passed:
                messages.append(f"{formula.id}: {result.kind} check of {result.target} failed ({formula.source}): {result.detail}")
    return messages


def check_all(formulas: dict[str, Formula]) -> None:
    """Check every formula; raise CheckFailure listing every failure."""
    for formula in formulas.values():
        check_formula(formula)
        logger.debug("checked %s: %d checks", formula.id, len(formula.checks))
    messages = failures(formulas)
    if messages:
        raise CheckFailure("\n".join(messages))
