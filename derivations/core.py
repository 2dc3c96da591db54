"""The registry: what a formula is, and how a derivation declares one.

A derivation is a function decorated with :func:`derivation`.  It receives a
:class:`Derivation` and states, top to bottom, what the page will show::

    @derivation("sigmoid.derivative", title="Derivative of the sigmoid", page="sigmoid.md")
    def _(d: Derivation) -> None:
        d.varies(z, Logit())
        chain = d.equation(sp.Derivative(sigma(z), z))
        slope = chain.step(sp.diff(sigmoid_definition(z), z), "differentiate 1/(1 + e^{-z})")
        ...
        chain.result(textbook_form_computed_from_slope, claim=sigma(z) * (1 - sigma(z)))

The left-hand side of an equation is what the formula is *about* (``∂E/∂z``);
its meaning comes from the definitions bound with :meth:`Derivation.where`,
and the numeric reference is computed from that meaning alone.  Every step
and the result are expressions the derivation computed with SymPy; ``claim``
is the textbook form the result is proven equal to.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from derivations.domains import Count, Domain, Index, ProbabilityVector

logger = logging.getLogger(__name__)

#: What a formula's status says about it, as formulas.json reports it.
STATUSES = {
    "definition": "stated, not derived: the other formulas are checked against it",
    "derived": "derived by SymPy from definitions and checked",
    "postulate": "assumed (a law of nature or an axiom), not derived",
    "value": "a number computed from definitions and checked",
}

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")

#: The relations a line of a chain may state, as SymPy relational classes.
#: A chain whose lines are all ``=`` is an identity; one ``<=`` or ``<``
#: line (mixed only with ``=`` lines and lines of the same direction) makes
#: the whole chain an upper bound, one ``>=`` or ``>`` line a lower bound.
RELATIONS: dict[str, type[sp.Basic]] = {"=": sp.Eq, "<=": sp.Le, "<": sp.Lt, ">=": sp.Ge, ">": sp.Gt}


class DerivationError(Exception):
    """A derivation is malformed: names the formula ID and where it is written."""


@dataclass
class Step:
    """One line of a derivation: ``lhs = rhs``, and why it follows."""

    rhs: sp.Expr
    because: str
    anchor: str = ""
    #: How this line relates to the line before it: one of :data:`RELATIONS`.
    relation: str = "="


@dataclass
class EqualityCase:
    """Where an inequality becomes an equality (``q = p``, ``x = 1``).

    ``make`` turns a sampled point into one where equality must hold; the
    numeric check evaluates both sides there and requires them equal.
    """

    make: Callable[[dict], dict]
    words: str


@dataclass
class DerivativeProof:
    """A symbolic proof of a bound in one variable, by its derivatives.

    The slack (the larger side minus the smaller) is specialised with
    ``setting`` (for example two outcomes), then shown to have a single
    critical point in the open interval of ``variable``, a non-negative second
    derivative there, and a non-negative value at the critical point.  With
    ``variable`` None the slack's sign is decided directly.
    """

    variable: Any
    setting: dict = field(default_factory=dict)


@dataclass
class Equation:
    """A chain ``lhs = step_1 = ... = result`` proven equal to ``claim``."""

    lhs: sp.Expr
    steps: list[Step] = field(default_factory=list)
    claim: sp.Expr | None = None
    counts: tuple[sp.Symbol, tuple[int, ...]] | None = None
    equality_cases: list[EqualityCase] = field(default_factory=list)
    derivative_proofs: list[DerivativeProof] = field(default_factory=list)
    #: Points where this equation is not defined and the numeric checks skip
    #: it (a predicate on a point, and the words saying where that is).
    excluded: tuple[Callable[[dict], bool], str] | None = None

    @property
    def result(self) -> sp.Expr:
        return self.steps[-1].rhs

    @property
    def relation(self) -> str:
        """``=`` for an identity; otherwise the relation of lhs to the result.

        The chain is strict (``<`` or ``>``) when any of its lines is.
        """
        stated = {step.relation for step in self.steps} - {"="}
        if not stated:
            return "="
        direction = "<" if stated <= {"<", "<="} else ">"
        return direction if direction in stated else direction + "="

    @property
    def statement(self) -> sp.Basic:
        """The equation as one SymPy object: the thing checked and printed."""
        return RELATIONS[self.relation](self.lhs, self.result, evaluate=False)


@dataclass
class Condition:
    """A side condition stated with the result and used by the checks.

    ``statement`` is printed; ``symbolic`` rewrites an expression using the
    condition (for Σ_k t_k = 1: a sum of t over all classes becomes 1);
    ``concrete`` does the same once the number of classes is a number.
    """

    statement: sp.Basic
    words: str
    symbolic: Callable[[sp.Expr], sp.Expr] = lambda expr: expr
    concrete: Callable[[sp.Expr, dict], sp.Expr] = lambda expr, values: expr
    requires: tuple[Any, type[Domain]] | None = None


@dataclass
class Formula:
    """A registered, derived formula: everything the later stages need."""

    id: str
    title: str
    page: str
    status: str
    equations: list[Equation]
    variables: dict[Any, Domain]
    bindings: list[tuple[Any, Any]]
    conditions: list[Condition]
    needs: list[str]
    source: str
    notes: str = ""
    checks: list[Any] = field(default_factory=list)
    #: Random points for the bound checks (None: the default of check.py).
    random_points: int | None = None

    @property
    def statement(self) -> sp.Basic:
        """The result (one equation, or a tuple of equations)."""
        if len(self.equations) == 1:
            return self.equations[0].statement
        return sp.Tuple(*(eq.statement for eq in self.equations))

    def steps(self) -> list[Step]:
        return [step for eq in self.equations for step in eq.steps]


class Chain:
    """The builder of one equation; returned by :meth:`Derivation.equation`."""

    def __init__(self, owner: Derivation, equation: Equation) -> None:
        self._owner = owner
        self._equation = equation

    @property
    def lhs(self) -> sp.Expr:
        """What the chain is about."""
        return self._equation.lhs

    def step(self, rhs: sp.Expr, because: str, relation: str = "=") -> sp.Expr:
        """Add ``lhs = rhs`` (or ``<=``, ``>=``...) as the next line, and return ``rhs``."""
        if not isinstance(rhs, sp.Basic):
            raise self._owner.error(f"step {because!r} is {rhs!r}, not a SymPy expression")
        if relation not in RELATIONS:
            raise self._owner.error(f"step {because!r} has relation {relation!r}, not one of {sorted(RELATIONS)}")
        directions = {step.relation[0] for step in self._equation.steps if step.relation != "="}
        if relation != "=" and directions - {relation[0]}:
            raise self._owner.error(f"step {because!r} says {relation!r} after a step of the other direction")
        self._equation.steps.append(Step(sp.sympify(rhs), because, relation=relation))
        return rhs

    def result(self, rhs: sp.Expr, because: str, *, claim: sp.Expr, relation: str = "=") -> sp.Expr:
        """Add the last line, the result, and the textbook form it must equal.

        For a bound, ``claim`` is the textbook form of the bound (the right
        side), proven equal to the result.  When ``rhs`` is already the last
        line (nothing left to simplify), that line is the result and no
        repeated line is added.
        """
        last = self._equation.steps[-1] if self._equation.steps else None
        if not (last is not None and last.rhs == rhs and relation == "="):
            self.step(rhs, because, relation)
        self._equation.claim = sp.sympify(claim)
        return rhs

    def excluding(self, predicate: Callable[[dict], bool], words: str) -> None:
        """Skip the numeric checks of this equation where it is undefined
        (``H_b'(p)`` at p = 0 and 1); the check results say how many."""
        self._equation.excluded = (predicate, words)

    def equality_when(self, make: Callable[[dict], dict], words: str) -> None:
        """Where the bound is attained: ``make`` maps a point to such a point."""
        self._equation.equality_cases.append(EqualityCase(make, words))

    def prove_by_derivatives(self, variable: Any, setting: dict | None = None) -> None:
        """Also prove the bound symbolically in ``variable`` (see DerivativeProof)."""
        self._equation.derivative_proofs.append(DerivativeProof(variable, dict(setting or {})))

    def prove_by_sign(self, setting: dict | None = None) -> None:
        """Also prove the bound symbolically: SymPy shows the slack is ≥ 0 outright
        once every variable is written through its interval."""
        self._equation.derivative_proofs.append(DerivativeProof(None, dict(setting or {})))

    def for_each_count(self, count: sp.Symbol, values: Iterable[int]) -> None:
        """Also prove the chain for every concrete value of ``count``."""
        self._equation.counts = (count, tuple(values))


class Derivation:
    """What a derivation function fills in; see the module docstring."""

    def __init__(self, spec: Spec, registry: dict[str, Formula]) -> None:
        self.spec = spec
        self._registry = registry
        self.equations: list[Equation] = []
        self.variables: dict[Any, Domain] = {}
        self.bindings: list[tuple[Any, Any]] = []
        self.conditions: list[Condition] = []
        self.needs: list[str] = []
        self.notes = ""
        self.random_points: int | None = None

    def error(self, message: str) -> DerivationError:
        return DerivationError(f"{self.spec.id} ({self.spec.source}): {message}")

    def varies(self, variable: Any, domain: Domain) -> Any:
        """Declare a free variable and where the numeric checks sample it."""
        if variable in self.variables:
            raise self.error(f"variable {variable} is declared twice")
        self.variables[variable] = domain
        return variable

    def where(self, symbol: Any, meaning: Any) -> None:
        """Bind a symbol of the page to its definition.

        ``symbol`` is a Symbol (``y``, meaning an expression) or an
        IndexedBase (``y_``, meaning a function of the index).  Bindings are
        applied in the order given, outermost quantity first (E, then y, then
        z), which is also the order a chain rule unwinds them.
        """
        if isinstance(symbol, sp.IndexedBase) and not callable(meaning):
            raise self.error(f"binding for {symbol} must be a function of the index")
        self.bindings.append((symbol, meaning))

    def given(self, condition: Condition) -> None:
        """State a side condition, printed with the result and used by checks."""
        self.conditions.append(condition)

    def sample_size(self, number: int) -> None:
        """Check a bound at ``number`` random points instead of the default."""
        self.random_points = number

    def equation(self, lhs: sp.Expr) -> Chain:
        """Start an equation about ``lhs`` (what the formula is about)."""
        equation = Equation(lhs)
        self.equations.append(equation)
        return Chain(self, equation)

    def use(self, formula_id: str) -> Formula:
        """The derived formula ``formula_id``; records the dependency."""
        if formula_id not in self._registry:
            raise self.error(
                f"uses {formula_id!r}, which is not derived yet; add it to needs=(...) of @derivation"
            )
        self.needs.append(formula_id)
        return self._registry[formula_id]

    def build(self) -> Formula:
        if not self.equations:
            raise self.error("declares no equation; call d.equation(lhs) and add a result")
        for number, equation in enumerate(self.equations, start=1):
            if not equation.steps:
                raise self.error(f"equation {number} ({equation.lhs}) has no steps")
            if equation.claim is None and self.spec.status == "derived":
                raise self.error(f"equation {number} ends without chain.result(..., claim=...)")
        for condition in self.conditions:
            if condition.requires:
                variable, kind = condition.requires
                if not isinstance(self.variables.get(variable), kind):
                    raise self.error(
                        f"condition {condition.words!r} needs {variable} to vary over {kind.__name__}"
                    )
        for variable, domain in self.variables.items():
            if domain.count is not None and domain.count not in self.variables:
                raise self.error(f"{variable} depends on {domain.count}, which has no domain; add d.varies({domain.count}, Count())")
        anchor = 0
        for equation in self.equations:
            for step in equation.steps:
                anchor += 1
                step.anchor = f"{self.spec.id}.step-{anchor}"
        return Formula(
            id=self.spec.id, title=self.spec.title, page=self.spec.page, status=self.spec.status,
            equations=self.equations, variables=self.variables, bindings=self.bindings,
            conditions=self.conditions, needs=sorted(set(self.needs) | set(self.spec.needs)),
            source=self.spec.source, notes=self.notes, random_points=self.random_points,
        )


@dataclass(frozen=True)
class Spec:
    """What the decorator records about a derivation function."""

    id: str
    title: str
    page: str
    status: str
    needs: tuple[str, ...]
    function: Callable[[Derivation], None]
    source: str


#: Every derivation function, by formula ID, in the order they were declared.
SPECS: dict[str, Spec] = {}


def derivation(
    formula_id: str, *, title: str, page: str, status: str = "derived", needs: Iterable[str] = ()
) -> Callable[[Callable[[Derivation], None]], Callable[[Derivation], None]]:
    """Register a derivation function under a stable formula ID."""

    def register(function: Callable[[Derivation], None]) -> Callable[[Derivation], None]:
        source = f"{inspect.getsourcefile(function)}:{inspect.getsourcelines(function)[1]}"
        source = re.sub(r"^.*?(derivations/)", r"\1", source)
        if not ID_PATTERN.match(formula_id):
            raise DerivationError(f"{formula_id!r} ({source}): an ID is dotted lower-case words, like softmax.ce_grad")
        if status not in STATUSES:
            raise DerivationError(f"{formula_id} ({source}): status {status!r} is not one of {sorted(STATUSES)}")
        if formula_id in SPECS and SPECS[formula_id].source != source:
            raise DerivationError(f"{formula_id} is registered twice: {SPECS[formula_id].source} and {source}")
        SPECS[formula_id] = Spec(formula_id, title, page, status, tuple(needs), function, source)
        return function

    return register


def load_topics() -> None:
    """Import every module of :mod:`derivations.topics`, registering them."""
    package = importlib.import_module("derivations.topics")
    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
        importlib.import_module(f"derivations.topics.{module.name}")


def derive_all(only: Iterable[str] | None = None) -> dict[str, Formula]:
    """Run the derivations (all, or ``only`` these and what they need)."""
    load_topics()
    registry: dict[str, Formula] = {}
    wanted = list(only) if only is not None else list(SPECS)
    visiting: list[str] = []

    def run(formula_id: str) -> None:
        if formula_id in registry:
            return
        if formula_id not in SPECS:
            raise DerivationError(f"unknown formula ID {formula_id!r}; known: {', '.join(sorted(SPECS))}")
        if formula_id in visiting:
            raise DerivationError(f"derivations depend on each other in a circle: {' -> '.join(visiting + [formula_id])}")
        visiting.append(formula_id)
        spec = SPECS[formula_id]
        for need in spec.needs:
            run(need)
        builder = Derivation(spec, registry)
        try:
            spec.function(builder)
        except DerivationError:
            raise
        except Exception as exc:
            raise DerivationError(f"{formula_id} ({spec.source}): the derivation raised {type(exc).__name__}: {exc}") from exc
        registry[formula_id] = builder.build()
        visiting.pop()
        logger.debug("derived %s", formula_id)

    for formula_id in wanted:
        run(formula_id)
    return registry


# ---------------------------------------------------------------------------
# Side conditions used by the pages
# ---------------------------------------------------------------------------


def sums_to_one(vector: sp.IndexedBase, count: sp.Symbol) -> Condition:
    """Σ_k vector_k = 1 over k = 1..count (teacher data is a distribution)."""
    dummy = sp.Symbol("k", integer=True, positive=True)

    def symbolic(expr: sp.Expr) -> sp.Expr:
        def is_total(node: sp.Basic) -> bool:
            if not isinstance(node, sp.Sum) or len(node.limits) != 1:
                return False
            var, low, high = node.limits[0]
            return node.function == vector[var] and low == 1 and high == count

        return expr.replace(is_total, lambda node: sp.Integer(1))

    def concrete(expr: sp.Expr, values: dict) -> sp.Expr:
        size = values[count]
        last = 1 - sum(vector[n] for n in range(1, size))
        return expr.subs(vector[size], last)

    return Condition(
        statement=sp.Eq(sp.Sum(vector[dummy], (dummy, 1, count)), 1),
        words=f"the entries of {vector} sum to 1",
        symbolic=symbolic,
        concrete=concrete,
        requires=(vector, ProbabilityVector),
    )


def at_least(count: sp.Symbol, low: int) -> Condition:
    """count ≥ low (for example K ≥ 2 classes)."""
    return Condition(statement=sp.Ge(count, low, evaluate=False), words=f"{count} >= {low}")


def range_truths(variable: sp.Basic, low: sp.Basic, high: sp.Basic) -> dict[sp.Basic, bool]:
    """low ≤ variable ≤ high, as the relations SymPy may write it, each True."""
    relations = (sp.Ge(high, variable), sp.Le(variable, high), sp.Ge(variable, low), sp.Le(low, variable))
    return {relation: True for relation in relations}


def index_ranges(variables: dict[Any, Domain]) -> dict[sp.Basic, bool]:
    """The relations 1 ≤ k ≤ K that every Index domain guarantees."""
    truths: dict[sp.Basic, bool] = {}
    for variable, domain in variables.items():
        if isinstance(domain, Index):
            truths.update(range_truths(variable, 1, domain.count))
    return truths


__all__ = [
    "Chain", "Condition", "Count", "Derivation", "DerivationError", "DerivativeProof", "Equation",
    "EqualityCase", "Formula", "RELATIONS", "STATUSES", "Step", "at_least", "derivation", "derive_all", "index_ranges", "sums_to_one",
]
