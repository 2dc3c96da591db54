"""Small algebra moves the derivations share, each a SymPy operation.

None of these decides what a result *is*; they only choose, among forms
SymPy has already shown equal, the one a textbook prints.

>>> import sympy as sp
>>> from derivations.definitions import sigma, z
>>> s = sigma(z)
>>> textbook_signs(sp.factor(s - s**2))
(1 - sigma(z))*sigma(z)
"""

from __future__ import annotations

import sympy as sp


def textbook_signs(expr: sp.Expr) -> sp.Expr:
    """Move a leading minus of a product into one of its sums.

    ``-σ(z)(σ(z) - 1)`` becomes ``σ(z)(1 - σ(z))``: the same expression,
    with no sign in front, which is how the pages write it.
    """
    if not expr.is_Mul:
        return expr
    coefficient, factors = expr.as_coeff_mul()
    if coefficient >= 0:
        return expr
    for position, factor in enumerate(factors):
        if factor.is_Add:
            flipped = list(factors)
            flipped[position] = sp.expand(-factor)
            return sp.Mul(-coefficient, *flipped)
    return expr


def as_symbol(expr: sp.Expr, part: sp.Expr, transform) -> sp.Expr:  # noqa: ANN001
    """Apply ``transform`` to ``expr`` treating ``part`` (say σ(z)) as a symbol.

    SymPy's rational-function tools (cancel, factor) see σ(z) as opaque only
    when it is a plain symbol; this swaps it out and back in.
    """
    stand_in = sp.Dummy("s", real=True)
    return transform(expr.subs(part, stand_in)).subs(stand_in, part)


def normalize_sums(expr: sp.Expr) -> sp.Expr:
    """Put every sum in one standard shape, so that equal sums compare equal.

    Each sum is split over the terms of its summand, factors that do not
    depend on the summation index are taken outside, and the index is
    renamed by nesting depth.  ``Σ_i t_i y_k + Σ_n t_n`` and ``y_k Σ_m t_m +
    Σ_j t_j`` then print and compare the same.
    """
    return _rename(_normalize(sp.expand(expr), 0), 0)


def _rename(expr: sp.Expr, depth: int) -> sp.Expr:
    if not expr.args or isinstance(expr, (sp.Indexed, sp.IndexedBase)):
        return expr
    if isinstance(expr, sp.Sum) and len(expr.limits) == 1:
        var, low, high = expr.limits[0]
        name = sp.Symbol(f"_r{depth}", integer=True, positive=True)
        return sp.Sum(_rename(expr.function.xreplace({var: name}), depth + 1), (name, low, high))
    return expr.func(*[_rename(arg, depth) for arg in expr.args])


def _normalize(expr: sp.Expr, depth: int) -> sp.Expr:
    if not expr.args or isinstance(expr, (sp.Indexed, sp.IndexedBase)):
        return expr
    if isinstance(expr, sp.Sum) and len(expr.limits) == 1:
        var, low, high = expr.limits[0]
        name = sp.Symbol(f"_s{depth}", integer=True, positive=True)
        function = sp.expand(_normalize(expr.function.xreplace({var: name}), depth + 1))
        total = sp.Integer(0)
        for term in sp.Add.make_args(function):
            outside = [f for f in sp.Mul.make_args(term) if not f.has(name)]
            inside = [f for f in sp.Mul.make_args(term) if f.has(name)]
            if inside:
                total += sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), (name, low, high))
            else:
                total += sp.Mul(*outside) * (high - low + 1)
        return total
    return expr.func(*[_normalize(arg, depth) for arg in expr.args])


def orient_like(expr: sp.Expr, pattern: sp.Expr) -> sp.Expr:
    """Flip the signs of sum factors of ``expr`` to read like ``pattern``.

    ``σ(z)(σ(z) - 1)(t - σ(z))`` oriented like ``(σ(z) - t)σ(z)(1 - σ(z))``
    becomes ``σ(z)(1 - σ(z))(σ(z) - t)``.  Only signs move: each flip of a
    factor is paid for by a factor -1, so the value is unchanged (and the
    checks prove it again).
    """
    if not expr.is_Mul:
        return expr
    wanted = {sp.expand(f) for f in sp.Mul.make_args(pattern) if f.is_Add}
    factors = []
    sign = 1
    for factor in sp.Mul.make_args(expr):
        if factor.is_Add and sp.expand(factor) not in wanted and sp.expand(-factor) in wanted:
            factors.append(sp.expand(-factor))
            sign = -sign
        else:
            factors.append(factor)
    return sign * sp.Mul(*factors)
