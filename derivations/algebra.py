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

from derivations.core import range_truths


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


def complete_square(expr: sp.Expr, part: sp.Expr) -> sp.Expr:
    """Write a quadratic in ``part`` as ``c + a (part - h)²``.

    >>> from derivations.definitions import sigma, z
    >>> complete_square(sigma(z) * (1 - sigma(z)), sigma(z))
    1/4 - (sigma(z) - 1/2)**2
    """
    stand_in = sp.Dummy("s", real=True)
    quadratic = sp.Poly(sp.expand(expr.subs(part, stand_in)), stand_in)
    if quadratic.degree() != 2:
        raise ValueError(f"complete_square needs a quadratic in {part}, got {expr}")
    a, b, c = quadratic.all_coeffs()
    centre = -b / (2 * a)
    return (c - b**2 / (4 * a)) + a * (part - centre) ** 2


def textbook_fraction(expr: sp.Expr) -> sp.Expr:
    """A factored fraction with the minus signs cancelled between its parts.

    >>> from derivations.definitions import t, y
    >>> textbook_fraction(-(y - t) / (y * (y - 1)))
    (1/(y*(1 - y)))*(-t + y)
    """
    numerator, denominator = sp.fraction(sp.factor(expr))
    if denominator.could_extract_minus_sign() or textbook_signs(-denominator) != -denominator:
        numerator, denominator = sp.expand(-numerator), textbook_signs(-denominator)
    return sp.Mul(numerator, sp.Pow(denominator, -1), evaluate=False)


def pull_constants(expr: sp.Expr) -> sp.Expr:
    """Move factors that do not depend on a sum's index out of the sum.

    >>> from derivations.definitions import t_, n, K, z
    >>> pull_constants(sp.Sum(z * t_[n], (n, 1, K)))
    z*Sum(t[n], (n, 1, K))
    """
    from sympy.simplify.simplify import factor_sum

    return expr.replace(lambda node: isinstance(node, sp.Sum), lambda node: factor_sum(node))


def settle_indices(expr: sp.Expr, indices: dict[sp.Symbol, sp.Symbol]) -> sp.Expr:
    """Drop the ``Piecewise`` branches that ``1 ≤ index ≤ count`` rules out.

    ``indices`` maps each free index to its count.  Differentiating a sum by
    one of its terms gives ``Piecewise((a_i, K >= i), (0, True))``; with
    1 ≤ i ≤ K known, that is ``a_i``.
    """
    truths = {}
    for index, count in indices.items():
        truths.update(range_truths(index, 1, count))
    return expr.replace(lambda node: isinstance(node, sp.Piecewise),
                        lambda node: sp.Piecewise(*[(e, c.xreplace(truths)) for e, c in node.args]))


def softmax_outputs(expr: sp.Expr, logits: sp.IndexedBase, outputs: sp.IndexedBase,
                    total: sp.Sum) -> sp.Expr:
    """Rewrite ``e^{a_i}`` as ``y_i Σ_m e^{a_m}`` for free indices, and cancel.

    ``total`` is the normaliser ``Σ_m e^{a_m}`` of the softmax; what is left
    is written in the outputs ``y``.
    """
    bound = {limit[0] for node in expr.atoms(sp.Sum) for limit in node.limits}
    stand_in = sp.Dummy("S", positive=True)

    def is_free_exp(node: sp.Basic) -> bool:
        return (isinstance(node, sp.exp) and isinstance(node.args[0], sp.Indexed)
                and node.args[0].base == logits and not (node.args[0].free_symbols & bound))

    rewritten = expr.replace(is_free_exp, lambda node: outputs[node.args[0].indices[0]] * stand_in)
    rewritten = rewritten.xreplace({total: stand_in})
    return sp.expand(sp.cancel(rewritten)).xreplace({stand_in: total})


def normalize_sums(expr: sp.Expr) -> sp.Expr:
    """Put every sum in one standard shape, so that equal sums compare equal.

    Each sum is split over the terms of its summand, factors that do not
    depend on the summation index are taken outside, and the index is
    renamed by nesting depth.  ``Σ_i t_i y_k + Σ_n t_n`` and ``y_k Σ_m t_m +
    Σ_j t_j`` then print and compare the same.
    """
    return _rename(_normalize(sp.expand(expr)), 0)


def _rename(expr: sp.Expr, depth: int) -> sp.Expr:
    if not expr.args or isinstance(expr, (sp.Indexed, sp.IndexedBase)):
        return expr
    if isinstance(expr, sp.Sum) and len(expr.limits) == 1:
        var, low, high = expr.limits[0]
        name = sp.Symbol(f"_r{depth}", integer=True, positive=True)
        return sp.Sum(_rename(expr.function.xreplace({var: name}), depth + 1), (name, low, high))
    return expr.func(*[_rename(arg, depth) for arg in expr.args])


def _normalize(expr: sp.Expr) -> sp.Expr:
    if not expr.args or isinstance(expr, (sp.Indexed, sp.IndexedBase)):
        return expr
    if isinstance(expr, sp.Sum) and len(expr.limits) == 1:
        name, low, high = expr.limits[0]
        function = sp.expand(_normalize(expr.function))
        total = sp.Integer(0)
        for term in sp.Add.make_args(function):
            outside = [f for f in sp.Mul.make_args(term) if not f.has(name)]
            inside = [f for f in sp.Mul.make_args(term) if f.has(name)]
            if inside:
                total += sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), (name, low, high))
            else:
                total += sp.Mul(*outside) * (high - low + 1)
        return total
    return expr.func(*[_normalize(arg) for arg in expr.args])


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
