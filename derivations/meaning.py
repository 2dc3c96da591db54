"""What an expression on a page means, in terms of the definitions alone.

A page writes ``∂E/∂y_i · ∂y_i/∂a_k``; the derivation bound E to
-Σ t_n ln y_n and y_i to the softmax of a.  :class:`Meaning` turns such an
expression into one in the free variables only: each derivative is taken of
its function as defined *in terms of the variable it differentiates by* (the
chain rule's reading), then the remaining definitions are substituted and σ
is replaced by its exponential form.

The numeric reference of an equation comes from its left-hand side through
this class and mpmath, never from the steps or the result.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import mpmath
import sympy as sp

from derivations.core import Formula, index_ranges, range_truths
from derivations.domains import Count
from derivations.definitions import expand_definitions

#: Working precision of every numeric check, in significant decimal digits.
WORKING_DIGITS = 50


def _mp_sigma(value: mpmath.mpf) -> mpmath.mpf:
    return 1 / (1 + mpmath.exp(-value))


def _mp_zero_log_product(factor: mpmath.mpf, argument: mpmath.mpf) -> mpmath.mpf:
    """factor · ln(argument), with 0 · ln(anything) = 0 (so 0 ln 0 = 0)."""
    if factor == 0:
        return mpmath.mpf(0)
    return factor * mpmath.log(argument)


def _mp_longest(lengths: list, count: int) -> mpmath.mpf:
    return max(lengths[1:count + 1])


#: mpmath versions of the functions of the pages, for lambdify.
MPMATH_FUNCTIONS = {"sigma": _mp_sigma, "zero_log_product": _mp_zero_log_product, "longest": _mp_longest,
                    "cached_ln2": lambda: +mpmath.ln2}


class cached_ln2(sp.Function):  # noqa: N801 - the name lambdify looks up
    """ln 2 from mpmath's cache, so that a page in bits (log_2 a = ln a / ln 2)
    does not compute ln 2 afresh in every term of a sum (numeric only)."""

    nargs = 0


class zero_log_product(sp.Function):  # noqa: N801 - the name lambdify looks up
    """v · ln u evaluated with the convention 0 · ln u = 0 (numeric only)."""

    nargs = 2


def zero_log_convention(expr: sp.Basic) -> sp.Basic:
    """``expr`` with each product ``v · ln u`` evaluated as 0 where v = 0.

    Entropies and divergences are sums of p ln p and p ln(p/q) whose terms
    with p = 0 are 0 by convention (a product v (a + ln b) is first
    distributed into v a + v ln b) (the limit of x ln x); mpmath would give
    0 · (-∞) = nan.  A logarithm of a quotient is split, ln(a/b) = ln a -
    ln b, so that a zero in b gives +∞ instead of a division by zero.  Where
    v ≠ 0 the value is exactly v · ln u, so nothing else changes.
    """

    def single_log(node: sp.Basic) -> bool:
        if not node.is_Mul:
            return False
        logs = [f for f in node.args if isinstance(f, sp.log)]
        return len(logs) == 1 and not logs[0].args[0].is_number

    def rewrite(node: sp.Mul) -> sp.Basic:
        logarithm = next(f for f in node.args if isinstance(f, sp.log))
        factor = sp.Mul(*(f for f in node.args if f is not logarithm))
        argument = logarithm.args[0]
        if argument.is_Mul:
            top, bottom = argument.as_numer_denom()
            if bottom != 1:
                return zero_log_product(factor, top) - zero_log_product(factor, bottom)
        return zero_log_product(factor, argument)

    def product_of_sum_with_log(node: sp.Basic) -> bool:
        return node.is_Mul and any(f.is_Add and f.has(sp.log) for f in node.args)

    def distribute(node: sp.Mul) -> sp.Basic:
        total = next(f for f in node.args if f.is_Add and f.has(sp.log))
        rest = [f for f in node.args if f is not total]
        return sp.Add(*(sp.Mul(*rest, term) for term in total.args))

    expr = expr.replace(product_of_sum_with_log, distribute).replace(single_log, rewrite)
    return expr.xreplace({sp.log(2): cached_ln2()})


def _substitute(expr: sp.Basic, symbol: Any, meaning: Any) -> sp.Basic:
    if isinstance(symbol, sp.IndexedBase):
        return expr.replace(
            lambda node: isinstance(node, sp.Indexed) and node.base == symbol,
            lambda node: meaning(*node.indices),
        )
    return expr.xreplace({symbol: meaning})


def _symbols_of(variable: Any) -> set:
    if isinstance(variable, sp.Indexed):
        return {variable.base}
    return {variable}


def _within(total: sp.Sum, truths: dict) -> dict:
    """``truths`` and, inside the sum, the range of its summation index."""
    inner = dict(truths)
    for var, low, high in total.limits:
        inner.update(range_truths(var, low, high))
    return inner


class Meaning:
    """Expressions of one formula, rewritten in its free variables."""

    def __init__(self, formula: Formula) -> None:
        self.formula = formula
        self.arguments = list(formula.variables)
        self._truths = index_ranges(formula.variables)
        # A count that can take one value only (K = 2 for the two-class
        # softmax) is that value wherever it appears.
        self._fixed = {var: domain.low for var, domain in formula.variables.items()
                       if isinstance(domain, Count) and domain.low == domain.high}

    # -- symbolic -----------------------------------------------------------

    def _derivative(self, node: sp.Derivative) -> sp.Basic:
        stops = set().union(*(_symbols_of(var) for var, _ in node.variable_count))
        return sp.Derivative(self._bound_until(node.expr, stops), *node.variable_count).doit()

    def _bound_until(self, expr: sp.Basic, stops: set) -> sp.Basic:
        """``expr`` with the bindings substituted up to (not including) stops,
        σ replaced by its definition, and nothing else done: sums stay sums,
        so that the numeric reference adds them up term by term."""
        for symbol, meaning in self.formula.bindings:
            if symbol in stops:
                break
            expr = _substitute(expr, symbol, meaning)
        return expand_definitions(expr)

    def of(self, expr: sp.Basic) -> sp.Basic:
        """``expr`` in terms of the free variables, derivatives taken."""
        return self._of(expr)

    @functools.lru_cache(maxsize=None)  # noqa: B019 - one Meaning per formula
    def _of(self, expr: sp.Basic) -> sp.Basic:
        expr = expr.replace(lambda node: isinstance(node, sp.Derivative), self._derivative)
        # Settle index ranges while every summation index is still inside
        # its sum: SymPy's doit() can move a condition like i <= K outside.
        expr = self.resolve_ranges(expr)
        expr = self.resolve_ranges(self._bound_until(expr, set()).xreplace(self._fixed))
        return self.settle(expr)

    def settle(self, expr: sp.Basic, truths: dict | None = None) -> sp.Basic:
        """``doit()`` from the inside out, each sum with its index range known.

        Evaluating the inner sums first, while the range of every summation
        index is known, keeps SymPy from leaving conditions like ``i <= K``
        outside the sum that binds ``i``.
        """
        truths = dict(self._truths if truths is None else truths)
        if not expr.args or isinstance(expr, (sp.Indexed, sp.IndexedBase)):
            return expr
        if isinstance(expr, sp.Sum):
            function = self.settle(expr.function, _within(expr, truths))
            return self.resolve_ranges(sp.Sum(function, *expr.limits).doit(), truths)
        node = expr.func(*[self.settle(arg, truths) for arg in expr.args])
        if isinstance(node, sp.Derivative):
            node = node.doit()
        return self.resolve_ranges(node, truths)

    def resolve_ranges(self, expr: sp.Basic, truths: dict | None = None) -> sp.Basic:
        """Settle ``Piecewise`` branches that an index range makes certain.

        The ranges are those of the Index domains, and inside a sum, the
        range of its summation index.
        """
        truths = dict(self._truths if truths is None else truths)
        if not expr.has(sp.Piecewise):
            return expr
        if isinstance(expr, sp.Sum):
            return sp.Sum(self.resolve_ranges(expr.function, _within(expr, truths)), *expr.limits)
        if isinstance(expr, sp.Piecewise):
            pieces = [(self.resolve_ranges(e, truths), c.xreplace(truths)) for e, c in expr.args]
            return sp.Piecewise(*pieces)
        if not expr.args:
            return expr
        return expr.func(*[self.resolve_ranges(arg, truths) for arg in expr.args])

    # -- numeric --------------------------------------------------------------

    @functools.lru_cache(maxsize=None)  # noqa: B019
    def function(self, expr: sp.Basic) -> Callable[..., Any]:
        """A numeric function of the free variables, evaluated in mpmath."""
        meaning = self.of(expr)
        if meaning.has(sp.Derivative):
            raise ValueError(f"{expr} still holds a derivative after substituting definitions: {meaning}")
        return sp.lambdify(self.arguments, zero_log_convention(meaning), modules=[MPMATH_FUNCTIONS, "mpmath"])

    def evaluate(self, expr: sp.Basic, point: dict, digits: int = WORKING_DIGITS) -> mpmath.mpf:
        """The value of ``expr`` at ``point``, at ``digits`` significant digits."""
        with mpmath.workdps(digits):
            return mpmath.mpf(self.function(expr)(*[point[var] for var in self.arguments]))

    def reference(self, lhs: sp.Basic, point: dict, digits: int = WORKING_DIGITS) -> mpmath.mpf:
        """The value of ``lhs`` at ``point`` from the definitions alone.

        A derivative is differentiated numerically (mpmath.diff, at the
        working precision) from the *defined function*, never from a derived
        expression; anything else is evaluated from its definition with its
        sums added term by term.  When the derivative is by a symbol that is
        itself defined (∂E/∂z with z = Σ_j w_j x_j + b), the function of that
        symbol is differentiated at the value its definition gives.
        """
        if not isinstance(lhs, sp.Derivative):
            function = self._raw_function(lhs, frozenset())
            with mpmath.workdps(digits):
                return mpmath.mpf(function(*[point[var] for var in self.arguments]))
        stops = frozenset().union(*(_symbols_of(var) for var, _ in lhs.variable_count))
        extra = [symbol for symbol in sorted(stops, key=str) if symbol not in self.arguments]
        inner = self._raw_function(lhs.expr, stops, tuple(extra))
        base = dict(point)
        for symbol in extra:
            base[symbol] = self.evaluate(symbol, point)
        arguments = self.arguments + extra
        slots = []
        orders = []
        for var, order in lhs.variable_count:
            if isinstance(var, sp.Indexed):
                index = var.indices[0]
                slots.append((var.base, int(point.get(index, index))))
            else:
                slots.append((var, None))
            orders.append(int(order))

        start = [base[var] if index is None else base[var][index] for var, index in slots]

        def at(*values: mpmath.mpf) -> mpmath.mpf:
            # Each slot adds its displacement, so that a derivative taken twice
            # by the same entry (∂²E/∂a_i∂a_j at i = j) moves that entry by both.
            moved = dict(base)
            for (var, index), value, origin in zip(slots, values, start):
                if index is None:
                    moved[var] = value
                else:
                    vector = list(moved[var])
                    vector[index] = vector[index] + (value - origin)
                    moved[var] = vector
            return inner(*[moved[var] for var in arguments])

        with mpmath.workdps(digits):
            if len(slots) == 1:
                return mpmath.diff(at, start[0], orders[0])
            return mpmath.diff(at, start, orders)

    @functools.lru_cache(maxsize=None)  # noqa: B019
    def _raw_function(self, expr: sp.Basic, stops: frozenset, extra: tuple = ()) -> Callable[..., Any]:
        raw = self._bound_until(expr, set(stops))
        raw = zero_log_convention(raw)
        return sp.lambdify(self.arguments + list(extra), raw, modules=[MPMATH_FUNCTIONS, "mpmath"])
