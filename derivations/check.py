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

For a bound (a chain with ``<=``, ``<``, ``>=`` or ``>`` lines):

* each ``=`` line is checked as above, against the line where the chain last
  changed (the lhs, or the rhs of the last inequality line); each
  inequality line is checked numerically against the line before it;
* **bound**: at the edge cases and at ``Formula.random_points`` seeded random
  points (default :data:`RANDOM_POINTS`), the reference of ``lhs`` (from its
  definition) and the claimed bound are evaluated and their *slack* (larger
  side minus smaller side) must be ≥ -tolerance (> tolerance for a strict
  bound); the smallest slack seen is recorded as ``min_slack``;
* **equality**: at each declared equality case the slack must be 0 within
  tolerance;
* **symbolic, by derivatives**: where the derivation asked for it, the slack
  in one variable (say, two outcomes, by q_1) has a critical point in the
  variable's interval, a non-negative second derivative and a non-negative
  value there.

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
from derivations.core import DerivativeProof, Equation, Formula
from derivations.domains import Index, edge_points, format_point, random_points
from derivations.meaning import WORKING_DIGITS, Meaning

logger = logging.getLogger(__name__)

#: Largest relative error a numeric check accepts.
RELATIVE_TOLERANCE = mpmath.mpf("1e-12")
#: A reference this small counts as zero, and the error is then absolute.
ZERO_REFERENCE = mpmath.mpf("1e-30")
#: Seeded random points per formula, on top of the edge cases.
RANDOM_POINTS = 200
#: Significant digits of the many-point bound checks (the other checks use
#: meaning.WORKING_DIGITS).
BOUND_DIGITS = 30
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
    #: For a bound: the smallest slack seen (larger side minus smaller side).
    min_slack: float | None = None

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
            # Sums whose terms cancel once logarithms are split: Σ_n (ln q_n -
            # ln p_n + ln(p_n/q_n)) p_n.
            lambda e: sp.simplify(sp.expand(sp.expand_log(sp.simplify(e), force=True)).doit()),
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


# ---------------------------------------------------------------------------
# bounds
# ---------------------------------------------------------------------------


def slack(relation: str, left: mpmath.mpf, right: mpmath.mpf) -> mpmath.mpf:
    """The larger side minus the smaller one: ≥ 0 when ``left relation right`` holds.

    Two equal infinities have slack 0; an infinite larger side has slack +∞.
    """
    larger, smaller = (right, left) if relation.startswith("<") else (left, right)
    if mpmath.isinf(larger) and larger == smaller:
        return mpmath.mpf(0)
    return larger - smaller


def tolerance(left: mpmath.mpf, right: mpmath.mpf) -> mpmath.mpf:
    """RELATIVE_TOLERANCE of the larger finite side (absolute near zero)."""
    sizes = [abs(v) for v in (left, right) if mpmath.isfinite(v)]
    scale = max(sizes, default=mpmath.mpf(1))
    return RELATIVE_TOLERANCE * (scale if scale > ZERO_REFERENCE else 1)


def holds(relation: str, left: mpmath.mpf, right: mpmath.mpf) -> bool:
    """``left relation right``, allowing RELATIVE_TOLERANCE of rounding for ``<=`` and ``>=``.

    A strict bound needs a positive slack at the working precision: true
    slacks can be tiny (a Shannon code where some p_n is 1 - 1e-19), so no
    tolerance is subtracted from them.
    """
    gap = slack(relation, left, right)
    if mpmath.isnan(gap):
        return False
    if relation in {"<", ">"}:
        return gap > 0
    return gap >= -tolerance(left, right)


def split_sums(expr: sp.Expr) -> sp.Expr:
    """Σ_n (c a_n + b_n) written as c Σ_n a_n + Σ_n b_n, logarithms split first.

    The lines of a bound move terms in and out of sums (Σ_n p_n ln K =
    ln K Σ_n p_n); splitting the sums lets the side conditions (Σ_n p_n = 1)
    find them.
    """

    def split(node: sp.Sum) -> sp.Expr:
        variable = node.limits[0][0]
        total = sp.Integer(0)
        for term in sp.Add.make_args(sp.expand(node.function)):
            constant, varying = term.as_independent(variable, as_Add=False)
            total += constant * sp.Sum(varying, *node.limits)
        return total

    expr = sp.expand_log(expr, force=True)
    return expr.replace(lambda node: isinstance(node, sp.Sum) and len(node.limits) == 1, split)


def _segments(equation: Equation) -> list[tuple[int, sp.Expr, sp.Expr]]:
    """For each step: its index, the line before it, and the line it must equal.

    The line it must equal is the lhs, or the rhs of the last inequality step.
    """
    rows = []
    anchor = equation.lhs
    before = equation.lhs
    for number, step in enumerate(equation.steps):
        rows.append((number, before, anchor))
        if step.relation != "=":
            anchor = step.rhs
        before = step.rhs
    return rows


def _value(meaning: Meaning, equation: Equation, expr: sp.Expr, point: dict) -> mpmath.mpf:
    if expr == equation.lhs:
        return meaning.reference(expr, point)
    return meaning.evaluate(expr, point)


def bound_step_checks(formula: Formula, meaning: Meaning, equation: Equation, points: list[dict]) -> list[CheckResult]:
    """Each line of a bound against the line it follows from."""
    results = []
    for number, before, anchor in _segments(equation):
        step = equation.steps[number]
        if step.relation == "=":
            reference = meaning.of(anchor)
            difference = _apply_conditions(formula, meaning, split_sums(meaning.of(step.rhs) - reference))
            passed = is_zero(difference)
            detail = "" if passed else f"remainder after simplification: {sp.simplify(difference)}"
            results.append(CheckResult("symbolic", step.anchor, 0, 0.0, passed, detail))
        worst = mpmath.mpf(0)
        smallest = mpmath.inf
        detail = ""
        for point in points:
            actual = meaning.evaluate(step.rhs, point)
            if step.relation == "=":
                expected = _value(meaning, equation, anchor, point)
                error = relative_error(actual, expected)
                worst = max(worst, error)
                failed = error > RELATIVE_TOLERANCE
            else:
                expected = _value(meaning, equation, before, point)
                smallest = min(smallest, slack(step.relation, expected, actual))
                failed = not holds(step.relation, expected, actual)
            if failed and not detail:
                detail = (f"at {format_point(point)}: the line before is {mpmath.nstr(expected, 20)}, this line "
                          f"{mpmath.nstr(actual, 20)}; they should satisfy '{step.relation}'")
        results.append(CheckResult(
            "numeric", step.anchor, len(points), float(worst), not detail, detail,
            None if step.relation == "=" else float(smallest)))
    if equation.claim is not None:
        target = f"{formula.id}.claim-{formula.equations.index(equation) + 1}"
        difference = _apply_conditions(formula, meaning, split_sums(meaning.of(equation.claim) - meaning.of(equation.result)))
        passed = is_zero(difference)
        detail = "" if passed else f"the claim differs from the result by {sp.simplify(difference)}"
        results.append(CheckResult("symbolic", target, 0, 0.0, passed, detail))
    return results


def bound_check(formula: Formula, meaning: Meaning, equation: Equation, points: list[dict]) -> CheckResult:
    """lhs (from its definition) against the claimed bound at every point.

    ``min_slack`` is the smallest slack over all points (edge cases include
    equality cases, where it is 0); the detail also gives the smallest slack
    over the random points alone.
    """
    number = formula.equations.index(equation) + 1
    bound = equation.claim if equation.claim is not None else equation.result
    edges = getattr(points, "edges", 0)
    smallest = mpmath.inf
    smallest_random = mpmath.inf
    detail = ""
    for position, point in enumerate(points):
        left = meaning.reference(equation.lhs, point, BOUND_DIGITS)
        right = meaning.evaluate(bound, point, BOUND_DIGITS)
        if not holds(equation.relation, left, right):
            # A strict bound's slack can lie below BOUND_DIGITS (a Shannon code
            # whose p_n is 1 - 1e-34): look again at twice the working digits.
            left = meaning.reference(equation.lhs, point, 2 * WORKING_DIGITS)
            right = meaning.evaluate(bound, point, 2 * WORKING_DIGITS)
        gap = slack(equation.relation, left, right)
        if mpmath.isnan(gap) or gap < smallest:
            smallest = gap
        if position >= edges and (mpmath.isnan(gap) or gap < smallest_random):
            smallest_random = gap
        if not holds(equation.relation, left, right) and not detail:
            detail = (f"at {format_point(point)}: {equation.lhs} = {mpmath.nstr(left, 20)} (from its definition), "
                      f"bound {mpmath.nstr(right, 20)}; '{equation.relation}' fails, slack {mpmath.nstr(gap, 5)}")
    summary = (f"{len(points) - edges} random points and {edges} edge cases; smallest slack "
               f"{mpmath.nstr(smallest, 5)}, at the random points {mpmath.nstr(smallest_random, 5)}")
    return CheckResult("bound", f"{formula.id}.bound-{number}", len(points), 0.0, not detail,
                       f"{detail}; {summary}" if detail else summary, float(smallest))


def equality_checks(formula: Formula, meaning: Meaning, equation: Equation, points: list[dict]) -> list[CheckResult]:
    """Both sides equal wherever the derivation says the bound is attained."""
    number = formula.equations.index(equation) + 1
    bound = equation.claim if equation.claim is not None else equation.result
    results = []
    for case_number, case in enumerate(equation.equality_cases, start=1):
        worst = mpmath.mpf(0)
        detail = ""
        for point in points:
            moved = case.make(point)
            left = meaning.reference(equation.lhs, moved)
            right = meaning.evaluate(bound, moved)
            gap = abs(slack(equation.relation, left, right))
            worst = max(worst, gap)
            if not gap <= tolerance(left, right) and not detail:
                detail = (f"equality when {case.words}: at {format_point(moved)}, {equation.lhs} = "
                          f"{mpmath.nstr(left, 20)} but the bound is {mpmath.nstr(right, 20)}")
        results.append(CheckResult("equality", f"{formula.id}.equality-{number}.{case_number}", len(points),
                                   float(worst), not detail, detail or f"equality when {case.words}"))
    return results


def _positive_form(formula: Formula, symbol: sp.Basic) -> sp.Expr | None:
    """``symbol`` written through a positive dummy u, so SymPy can decide signs:
    low + (high - low) u/(1 + u) for (low, high), low + u for (low, ∞)."""
    key = symbol.base if isinstance(symbol, sp.Indexed) else symbol
    domain = formula.variables.get(key)
    interval = domain.interval() if domain is not None else None
    if interval is None:
        return None
    low, high = interval
    u = sp.Dummy("u", positive=True)
    return low + u if high == sp.oo else low + (high - low) * u / (1 + u)


def _nonnegative(expr: sp.Expr, forms: dict) -> bool | None:
    """Whether SymPy can show ``expr`` ≥ 0 with every variable in its interval."""
    # Twice: an interval may end at another variable (T_2 < T_1), whose own
    # form is substituted on the second pass.
    expr = expr.xreplace(forms).xreplace(forms)
    for attempt in (lambda e: e, sp.simplify, lambda e: sp.factor(sp.together(e))):
        decided = attempt(expr).is_nonnegative
        if decided is not None:
            return decided
    return None


def derivative_proof(formula: Formula, meaning: Meaning, equation: Equation, proof: DerivativeProof) -> CheckResult:
    """The bound in one variable by its first and second derivative."""
    number = formula.equations.index(equation) + 1
    target = f"{formula.id}.bound-{number}"
    bound = equation.claim if equation.claim is not None else equation.result
    left, right = (meaning.of(side).xreplace(proof.setting).doit().xreplace(proof.setting)
                   for side in (equation.lhs, bound))
    gap = right - left if equation.relation.startswith("<") else left - right
    for condition in formula.conditions:
        gap = condition.concrete(gap, proof.setting)
    x = sp.Dummy("x", real=True)
    if proof.variable is not None:
        gap = gap.xreplace({proof.variable: x})
    forms = {}
    for symbol in gap.free_symbols | {node for node in gap.atoms(sp.Indexed)}:
        if symbol != x and not isinstance(symbol, sp.IndexedBase):
            form = _positive_form(formula, symbol)
            if form is not None:
                forms[symbol] = form
    setting = ", ".join(f"{key} = {value}" for key, value in proof.setting.items())
    where = f" with {setting}" if setting else ""
    if proof.variable is None:
        decided = _nonnegative(gap, forms)
        shown = sp.simplify(gap.xreplace(forms).xreplace(forms))
        return CheckResult("symbolic, by sign", target, 0, 0.0, bool(decided),
                           f"{where} slack = {gap}; with every variable in its interval it is {shown}, "
                           f"shown >= 0: {decided}".lstrip())
    own = _positive_form(formula, proof.variable)
    if own is None:
        return CheckResult("symbolic, by derivatives", target, 0, 0.0, False,
                           f"{proof.variable} has no interval; give it a domain with one")
    first = sp.simplify(sp.diff(gap, x))
    second = sp.simplify(sp.diff(gap, x, 2))
    critical = sp.solve(first, x)
    key = proof.variable.base if isinstance(proof.variable, sp.Indexed) else proof.variable
    low, high = formula.variables[key].interval()
    inside = [c for c in critical
              if _nonnegative(c - low, forms) and (high == sp.oo or _nonnegative(high - c, forms))]
    convex = _nonnegative(second.xreplace({x: own}), forms)
    if len(inside) != 1 or not convex:
        return CheckResult("symbolic, by derivatives", target, 0, 0.0, False,
                           f"{where}: slack' = {first} vanishes at {critical} (in the interval: {inside}); "
                           f"slack'' = {second}, shown >= 0: {convex}")
    lowest = sp.simplify(gap.xreplace({x: inside[0]}))
    at_least_zero = _nonnegative(lowest, forms)
    detail = (f"{where}, slack in {proof.variable}: slack' = 0 only at {proof.variable} = {inside[0]}, "
              f"slack'' = {second} >= 0, slack there = {lowest}")
    if equation.relation in {"<", ">"}:
        passed = bool(at_least_zero) and lowest != 0 and _nonnegative(-lowest, forms) is False
    else:
        passed = bool(at_least_zero)
    return CheckResult("symbolic, by derivatives", target, 0, 0.0, passed, detail.lstrip(", "))


def bound_sample(formula: Formula) -> list[dict]:
    """The points of the bound checks: edge cases, then ``formula.random_points``
    seeded random points (default RANDOM_POINTS); shared by all its bounds."""
    rng = np.random.default_rng(_seed(formula.id) + 1)
    count = formula.random_points or RANDOM_POINTS
    edges = edge_points(formula.variables, rng)
    return BoundSample(edges + random_points(formula.variables, rng, count), len(edges))


class BoundSample(list):
    """The points of the bound checks; the first ``edges`` are edge cases."""

    def __init__(self, points: list[dict], edges: int) -> None:
        super().__init__(points)
        self.edges = edges


def bound_checks(formula: Formula, meaning: Meaning, equation: Equation, points: list[dict],
                 many: list[dict] | None = None) -> list[CheckResult]:
    """Every check of one bound: its lines, the bound itself, equality cases, derivative proofs."""
    if many is None:
        many = bound_sample(formula)
    if equation.excluded is not None:
        kept = [point for point in many if not equation.excluded[0](point)]
        many = BoundSample(kept, sum(1 for point in many[:many.edges] if not equation.excluded[0](point)))
    results = bound_step_checks(formula, meaning, equation, points)
    results.append(bound_check(formula, meaning, equation, many))
    results += equality_checks(formula, meaning, equation, points)
    for proof in equation.derivative_proofs:
        results.append(derivative_proof(formula, meaning, equation, proof))
    return results


def check_formula(formula: Formula) -> list[CheckResult]:
    """Run every check of ``formula``, store them on it and return them."""
    if formula.status in {"definition", "postulate"}:
        formula.checks = []
        return []
    meaning = Meaning(formula)
    points = sample(formula)
    results: list[CheckResult] = []
    many = bound_sample(formula) if any(eq.relation != "=" for eq in formula.equations) else None
    for equation in formula.equations:
        kept = points
        if equation.excluded is not None:
            predicate, words = equation.excluded
            kept = [point for point in points if not predicate(point)]
            logger.debug("%s: numeric checks skip %d points (%s)", formula.id, len(points) - len(kept), words)
        if equation.relation != "=":
            results += bound_checks(formula, meaning, equation, kept, many)
            continue
        numeric = numeric_checks(formula, meaning, equation, kept)
        wrong = {result.target for result in numeric if not result.passed}
        results += symbolic_checks(formula, meaning, equation, wrong)
        results += count_checks(formula, meaning, equation, wrong)
        if equation.excluded is not None:
            for result in numeric:
                note = f"skipped {len(points) - len(kept)} points where {equation.excluded[1]}"
                result.detail = f"{result.detail}; {note}" if result.detail else note
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
