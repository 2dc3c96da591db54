"""Small algebra moves the derivations share, each a SymPy operation.

None of these decides what a result *is*; they only choose, among forms
SymPy has already shown equal, the one a textbook prints.

>>> import sympy as sp
>>> from derivations.definitions import sigma, z
>>> s = sigma(z)
>>> textbook_signs(sp.factor(s - s**2))
sigma(z)*(1 - sigma(z))
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
