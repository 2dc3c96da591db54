"""The one place that turns SymPy objects into the LaTeX shown on the site.

SymPy's printer is correct but writes what no textbook writes: ``\\sigma{\\left(z
\\right)}``, ``{y}_{k}``, ``\\frac{d}{d z} E``, ``\\log``, ``- t +
\\sigma(z)``.  :class:`TextbookPrinter` keeps SymPy's printer and overrides
one ``_print_<Thing>`` per notation the pages use.  Its settings live in
:data:`PRINTER_SETTINGS` and nowhere else.

>>> import sympy as sp
>>> from derivations.definitions import sigma, z, t, y_, k, E, a_
>>> latex(sigma(z) - t)
'\\\\sigma(z) - t'
>>> latex(sp.Derivative(E, a_[k]))
'\\\\frac{\\\\partial E}{\\\\partial a_{k}}'
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence

#: Settings passed to SymPy's LaTeX printer, documented one by one.
PRINTER_SETTINGS: dict[str, Any] = {
    # Natural logarithms print as \ln, never \log (whose base readers guess).
    "ln_notation": True,
    # Products are juxtaposed, as in print: x_j (σ(z) - t).
    "mul_symbol": None,
    # Fractions inside a line stay \frac; the site renders display math.
    "fold_short_frac": False,
    # Keep SymPy's canonical order inside products; sums are re-ordered by
    # _print_Add so that the positive terms come first.
    "order": "none",
    # Exponentials print as e^{x}, not \exp(x).
    "symbol_names": {},
}


class TextbookPrinter(LatexPrinter):
    """A LaTeX printer that writes the notation of the pages."""

    printmethod = "_textbook_latex"

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        merged = dict(PRINTER_SETTINGS)
        merged.update(settings or {})
        super().__init__(merged)

    # -- functions of the pages -------------------------------------------

    def _print_sigma(self, expr: sp.Function, exp: str | None = None) -> str:
        body = rf"\sigma({self._print(expr.args[0])})"
        return rf"\sigma^{{{exp}}}({self._print(expr.args[0])})" if exp else body

    def _print_Function(self, expr: sp.Function, exp: str | None = None) -> str:
        name = expr.func.__name__
        if name == "sigma":
            return self._print_sigma(expr, exp)
        args = ", ".join(self._print(arg) for arg in expr.args)
        head = self._deal_with_super_sub(name)
        return rf"{head}^{{{exp}}}({args})" if exp else rf"{head}({args})"

    def _logarithm(self, head: str, expr: sp.Function, exp: str | None, bare_functions: bool) -> str:
        """``head`` and its argument: bare for a symbol or an index (``\\ln y_k``),
        and for a function call when ``bare_functions`` (``\\ln \\sigma(z)``);
        in parentheses otherwise."""
        arg = expr.args[0]
        inner = self._print(arg)
        bare = arg.is_Symbol or arg.is_Indexed or (bare_functions and isinstance(arg, sp.Function))
        inner = f" {inner}" if bare else rf"\left({inner}\right)"
        return (head if exp is None else rf"{head}^{{{exp}}}") + inner

    def _print_log(self, expr: sp.log, exp: str | None = None) -> str:
        return self._logarithm(r"\ln", expr, exp, bare_functions=True)

    def _print_exp(self, expr: sp.exp, exp: str | None = None) -> str:
        body = rf"e^{{{self._print(expr.args[0])}}}"
        return rf"\left({body}\right)^{{{exp}}}" if exp else body

    def _print_ExpBase(self, expr: sp.Basic, exp: str | None = None) -> str:
        return self._print_exp(expr, exp)

    def _print_log2(self, expr: sp.Function, exp: str | None = None) -> str:
        return self._logarithm(r"\log_2", expr, exp, bare_functions=False)

    # -- entropies of distributions ------------------------------------------

    def _print_H(self, expr: sp.Function, exp: str | None = None) -> str:
        return self._entropy_like("H", expr, exp)

    def _print_H_bits(self, expr: sp.Function, exp: str | None = None) -> str:
        return self._entropy_like(r"H_{\mathrm{bits}}", expr, exp)

    def _print_H_b(self, expr: sp.Function, exp: str | None = None) -> str:
        return self._entropy_like(r"H_{\mathrm{b}}", expr, exp)

    def _print_D_KL(self, expr: sp.Function, exp: str | None = None) -> str:
        data, model = (self._print(arg) for arg in expr.args)
        body = rf"D_{{\mathrm{{KL}}}}({data} \,\Vert\, {model})"
        return rf"\left({body}\right)^{{{exp}}}" if exp else body

    def _entropy_like(self, head: str, expr: sp.Function, exp: str | None) -> str:
        body = head + "(" + ", ".join(self._print(arg) for arg in expr.args) + ")"
        return rf"\left({body}\right)^{{{exp}}}" if exp else body

    def _print_longest(self, expr: sp.Function, exp: str | None = None) -> str:
        body = rf"{self._print(expr.args[0])}_{{\max}}"
        return rf"{body}^{{{exp}}}" if exp else body

    # -- indices ------------------------------------------------------------

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        base = self._print(expr.base.label)
        indices = "".join(self._print(index) for index in expr.indices)
        if any(len(self._print(index)) > 1 for index in expr.indices):
            indices = ",".join(self._print(index) for index in expr.indices)
        return f"{base}_{{{indices}}}"

    def _print_IndexedBase(self, expr: sp.IndexedBase) -> str:
        return self._print(expr.label)

    def _print_KroneckerDelta(self, expr: sp.KroneckerDelta, exp: str | None = None) -> str:
        first, second = (self._print(arg) for arg in expr.args)
        separator = "" if len(first) == 1 and len(second) == 1 else ","
        body = rf"\delta_{{{first}{separator}{second}}}"
        return rf"\left({body}\right)^{{{exp}}}" if exp else body

    # -- derivatives --------------------------------------------------------

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        function = expr.expr
        variables = expr.variable_count
        single_argument = isinstance(function, sp.Function) and len(function.args) == 1
        if single_argument and len(variables) == 1 and variables[0][0] == function.args[0]:
            order = variables[0][1]
            primes = "'" * order if order <= 3 else f"^{{({order})}}"
            name = self._print(function.func(sp.Symbol("_"))).split("(")[0]
            return rf"{name}{primes}({self._print(function.args[0])})"
        total = sum(count for _, count in variables)
        top = r"\partial" if total == 1 else rf"\partial^{{{total}}}"
        bottom = " ".join(
            rf"\partial {self._print(var)}" if count == 1 else rf"\partial {self._print(var)}^{{{count}}}"
            for var, count in variables
        )
        numerator = self._print(function)
        if function.is_Atom or function.is_Indexed:
            return rf"\frac{{{top} {numerator}}}{{{bottom}}}"
        return rf"\frac{{{top}}}{{{bottom}}} \left({numerator}\right)"

    # -- sums in textbook order --------------------------------------------

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        terms = list(expr.as_ordered_terms())
        # Numbers lead, as in 1 + e^{-z} and 1 - σ(z); then SymPy's order.
        terms = [term for term in terms if term.is_Number] + [term for term in terms if not term.is_Number]
        positive = [term for term in terms if not term.could_extract_minus_sign()]
        negative = [term for term in terms if term.could_extract_minus_sign()]
        text = ""
        for index, term in enumerate(positive + negative):
            if index == 0:
                piece = self._print(term)
            elif term.could_extract_minus_sign():
                term = -term
                piece = " - " + self._print(term)
            else:
                piece = " + " + self._print(term)
            if index > 0 and precedence(term) < PRECEDENCE["Mul"] and term.is_Add:
                piece = piece[:3] + rf"\left({piece[3:]}\right)"
            text += piece
        return text

    def _print_Mul(self, expr: sp.Mul) -> str:
        if not expr.is_Mul or any(f.is_Pow and f.exp.is_negative for f in expr.args):
            return super()._print_Mul(expr)
        coefficient, factors = expr.as_coeff_mul()
        sign = "-" if coefficient < 0 else ""
        coefficient = abs(coefficient)
        prefix = ""
        if coefficient != 1:
            if coefficient.is_Rational and coefficient.q != 1:
                prefix = rf"\frac{{{coefficient.p}}}{{{coefficient.q}}} "
            else:
                prefix = self._print(coefficient) + " "
        return sign + prefix + self._print_juxtaposed(factors)

    def _print_juxtaposed(self, factors: tuple[sp.Expr, ...]) -> str:
        """Atoms and functions, then parenthesised sums, then logarithms.

        This is the order of print: ``y_i (δ_ij - y_j)``, ``(1 - t) ln(1 - y)``.
        Within each group SymPy's canonical order is kept, so the output is
        the same on every run.
        """
        simple = [f for f in factors if not f.is_Add and not isinstance(f, sp.log)]
        grouped = [f for f in factors if f.is_Add]
        logarithms = [f for f in factors if isinstance(f, sp.log)]
        pieces = []
        for factor in simple + grouped + logarithms:
            text = self._print(factor)
            if factor.is_Add:
                text = rf"\left({text}\right)"
            pieces.append(text)
        return " ".join(pieces)


_PRINTER = TextbookPrinter()


#: How the relations of a chain print (core.RELATIONS).
RELATION_SYMBOLS = {"=": "=", "<=": r"\le", "<": "<", ">=": r"\ge", ">": ">"}

_RELATIONALS = {sp.Equality: "=", sp.LessThan: "<=", sp.StrictLessThan: "<",
                sp.GreaterThan: ">=", sp.StrictGreaterThan: ">"}


def latex(expr: sp.Basic) -> str:
    """Print *expr* in the notation of the pages.

    A relation prints its sides with ``=``, ``\\le``, ``<``, ``\\ge`` or ``>``.
    """
    if type(expr) in _RELATIONALS:
        symbol = RELATION_SYMBOLS[_RELATIONALS[type(expr)]]
        return f"{_PRINTER.doprint(expr.lhs)} {symbol} {_PRINTER.doprint(expr.rhs)}"
    return _PRINTER.doprint(expr)
