"""Where the numeric checks sample their points.

Each variable of a derivation is given a domain: a seeded random sampler plus
the edge cases a careful reader would try first (logits of ±30, probabilities
of exactly 0 and 1, one-hot teacher vectors, the smallest and largest number
of classes).  Values are mpmath numbers; vectors are lists indexed from 1 (the
pages number classes from 1), with ``None`` in slot 0.

>>> import numpy as np
>>> from derivations.domains import Probability
>>> [float(v) for v in Probability().edges({})][:3]
[0.0, 1.0, 0.5]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

#: The largest |logit| the checks use: e^{±30} is where float64 code starts
#: to lose digits, while mpmath at the working precision does not.
LOGIT_LIMIT = 30
#: Distance from 0 and 1 of the "nearly certain" probabilities.
NEAR_CERTAIN = mpmath.mpf("1e-12")

Point = dict[Any, Any]


class Domain:
    """A sampler for one variable.  Subclasses set ``count`` when they
    depend on a number of classes (a symbol given its own domain)."""

    count: sp.Symbol | None = None

    def sample(self, rng: np.random.Generator, point: Point) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no sampler")

    def edges(self, point: Point) -> list[Any]:
        raise NotImplementedError(f"{type(self).__name__} has no edge cases")

    def describe(self) -> str:
        return type(self).__name__

    def interval(self) -> tuple[Any, Any] | None:
        """The open interval the variable (or each entry) lies in, if any.

        Used by symbolic proofs of bounds (check.derivative_proof) to decide
        signs; None where the domain promises nothing.
        """
        return None


def _mpf(value: float) -> mpmath.mpf:
    return mpmath.mpf(float(value))


@dataclass(frozen=True)
class Count(Domain):
    """A number of classes or inputs, an integer in [low, high].

    ``log_uniform`` draws it so that each doubling of the size is equally
    likely (as many sizes 2..6 as 12..50), instead of uniformly.
    """

    low: int = 2
    high: int = 8
    log_uniform: bool = False

    def sample(self, rng: np.random.Generator, point: Point) -> int:
        if self.log_uniform:
            return int(np.floor(np.exp(rng.uniform(np.log(self.low), np.log(self.high + 1)))))
        return int(rng.integers(self.low, self.high + 1))

    def edges(self, point: Point) -> list[int]:
        return sorted({self.low, self.high})

    def describe(self) -> str:
        return f"integer in [{self.low}, {self.high}]"


@dataclass(frozen=True)
class Index(Domain):
    """An index 1..count into a vector."""

    count: sp.Symbol | None = None

    def sample(self, rng: np.random.Generator, point: Point) -> int:
        return int(rng.integers(1, point[self.count] + 1))

    def edges(self, point: Point) -> list[int]:
        return sorted({1, point[self.count]})

    def describe(self) -> str:
        return f"index in 1..{self.count}"


@dataclass(frozen=True)
class Logit(Domain):
    """A real number that feeds a sigmoid or softmax: mostly moderate,
    sometimes anywhere in [-30, 30]."""

    def sample(self, rng: np.random.Generator, point: Point) -> mpmath.mpf:
        if rng.random() < 0.5:
            return _mpf(rng.normal(0.0, 3.0))
        return _mpf(rng.uniform(-LOGIT_LIMIT, LOGIT_LIMIT))

    def edges(self, point: Point) -> list[mpmath.mpf]:
        return [_mpf(-LOGIT_LIMIT), _mpf(0), _mpf(LOGIT_LIMIT)]

    def describe(self) -> str:
        return f"logit, |z| <= {LOGIT_LIMIT}"


@dataclass(frozen=True)
class Real(Domain):
    """A real number of moderate size (a weight or an input)."""

    scale: float = 2.0

    def sample(self, rng: np.random.Generator, point: Point) -> mpmath.mpf:
        return _mpf(rng.normal(0.0, self.scale))

    def edges(self, point: Point) -> list[mpmath.mpf]:
        return [_mpf(0), _mpf(-self.scale * 3), _mpf(self.scale * 3)]

    def describe(self) -> str:
        return f"real, normal with scale {self.scale}"


@dataclass(frozen=True)
class Probability(Domain):
    """A probability or a soft binary target in [0, 1]."""

    def sample(self, rng: np.random.Generator, point: Point) -> mpmath.mpf:
        return _mpf(rng.uniform(0.0, 1.0))

    def edges(self, point: Point) -> list[mpmath.mpf]:
        return [_mpf(0), _mpf(1), _mpf(0.5), NEAR_CERTAIN, 1 - NEAR_CERTAIN]

    def describe(self) -> str:
        return "probability in [0, 1]"

    def interval(self) -> tuple[Any, Any]:
        return (sp.Integer(0), sp.Integer(1))


@dataclass(frozen=True)
class Positive(Domain):
    """A real number in (low, high): an argument of ln, a temperature, a heat.

    Half the points are log-uniform over the interval (so that both ends are
    visited), half uniform; the edges are just inside both ends and the
    ``special`` values (for example x = 1, where ln x = x - 1).
    """

    low: float = 0.0
    high: float = 100.0
    special: tuple[float, ...] = ()

    def sample(self, rng: np.random.Generator, point: Point) -> mpmath.mpf:
        low = max(self.low, 1e-12 * self.high)
        if rng.random() < 0.5:
            return _mpf(np.exp(rng.uniform(np.log(low), np.log(self.high))))
        return _mpf(rng.uniform(low, self.high))

    def edges(self, point: Point) -> list[mpmath.mpf]:
        inside = [mpmath.mpf(self.low) + NEAR_CERTAIN * max(1, abs(self.low)), mpmath.mpf(self.high)]
        return inside + [_mpf(v) for v in self.special]

    def describe(self) -> str:
        return f"real in ({self.low}, {self.high}]"

    def interval(self) -> tuple[Any, Any]:
        return (sp.nsimplify(self.low), sp.oo)


def _vector(values: list[mpmath.mpf]) -> list[mpmath.mpf | None]:
    return [None, *values]


@dataclass(frozen=True)
class LogitVector(Domain):
    """A vector of ``count`` logits."""

    count: sp.Symbol | None = None

    def sample(self, rng: np.random.Generator, point: Point) -> list:
        size = point[self.count]
        spread = 3.0 if rng.random() < 0.5 else 10.0
        values = np.clip(rng.normal(0.0, spread, size), -LOGIT_LIMIT, LOGIT_LIMIT)
        return _vector([_mpf(v) for v in values])

    def edges(self, point: Point) -> list[list]:
        size = point[self.count]
        zeros = [_mpf(0)] * size
        one_high = [_mpf(LOGIT_LIMIT)] + [_mpf(-LOGIT_LIMIT)] * (size - 1)
        one_low = [_mpf(-LOGIT_LIMIT)] + [_mpf(LOGIT_LIMIT)] * (size - 1)
        ramp = [_mpf(v) for v in np.linspace(-LOGIT_LIMIT, LOGIT_LIMIT, size)]
        return [_vector(v) for v in (zeros, one_high, one_low, ramp)]

    def describe(self) -> str:
        return f"{self.count} logits, each |a| <= {LOGIT_LIMIT}"


@dataclass(frozen=True)
class RealVector(Domain):
    """A vector of ``count`` moderate reals (weights or inputs)."""

    count: sp.Symbol | None = None
    scale: float = 2.0

    def sample(self, rng: np.random.Generator, point: Point) -> list:
        return _vector([_mpf(v) for v in rng.normal(0.0, self.scale, point[self.count])])

    def edges(self, point: Point) -> list[list]:
        size = point[self.count]
        return [_vector([_mpf(0)] * size), _vector([_mpf(self.scale * (-1) ** n) for n in range(size)])]

    def describe(self) -> str:
        return f"{self.count} reals, normal with scale {self.scale}"


@dataclass(frozen=True)
class ProbabilityVector(Domain):
    """A probability vector of ``count`` entries that sum to exactly 1.

    Random vectors are Dirichlet with a concentration drawn from
    {0.1, 1, 10}; the last entry is 1 minus the others in mpmath, so that the
    sum is 1 at the working precision.  Edges: one-hot at the first and the
    last class, uniform, and nearly one-hot.
    """

    count: sp.Symbol | None = None
    #: Keep every entry positive (for model outputs that go inside a log):
    #: exact zeros become NEAR_CERTAIN**2, and the vector is renormalised.
    floor: bool = False

    def _finish(self, values: list[mpmath.mpf]) -> list:
        if self.floor:
            values = [max(v, NEAR_CERTAIN**2) for v in values]
        head = values[:-1]
        if self.floor:
            total = mpmath.fsum(values)
            head = [v / total for v in head]
        return _vector([*head, 1 - mpmath.fsum(head)])

    def sample(self, rng: np.random.Generator, point: Point) -> list:
        size = point[self.count]
        concentration = float(rng.choice([0.1, 1.0, 10.0]))
        return self._finish([_mpf(v) for v in rng.dirichlet([concentration] * size)])

    def edges(self, point: Point) -> list[list]:
        size = point[self.count]
        first = [_mpf(1)] + [_mpf(0)] * (size - 1)
        last = [_mpf(0)] * (size - 1) + [_mpf(1)]
        uniform = [mpmath.mpf(1) / size] * size
        nearly = [1 - NEAR_CERTAIN] + [NEAR_CERTAIN / (size - 1)] * (size - 1)
        return [self._finish(v) for v in (first, last, uniform, nearly)]

    def describe(self) -> str:
        return f"probability vector of {self.count} entries"

    def interval(self) -> tuple[Any, Any]:
        return (sp.Integer(0), sp.Integer(1))


@dataclass(frozen=True)
class Below(Domain):
    """A real number strictly between 0 and another variable (T_2 < T_1):
    a share of ``upper`` drawn uniformly from [share, 1 - share]."""

    upper: Any = None
    share: float = 0.02

    def sample(self, rng: np.random.Generator, point: Point) -> mpmath.mpf:
        return point[self.upper] * _mpf(rng.uniform(self.share, 1 - self.share))

    def edges(self, point: Point) -> list[mpmath.mpf]:
        return [point[self.upper] * _mpf(self.share), point[self.upper] * _mpf(1 - self.share)]

    def describe(self) -> str:
        return f"real in (0, {self.upper})"

    def interval(self) -> tuple[Any, Any]:
        return (sp.Integer(0), self.upper)


@dataclass(frozen=True)
class Grid(Domain):
    """A real number on [low, high]: the edges are an even grid including
    both ends, the random points uniform.  ``bounds`` is the open interval
    a symbolic proof may assume (default (low, high))."""

    low: float = 0.0
    high: float = 1.0
    number: int = 101
    bounds: tuple[Any, Any] | None = None

    def sample(self, rng: np.random.Generator, point: Point) -> mpmath.mpf:
        return _mpf(rng.uniform(self.low, self.high))

    def edges(self, point: Point) -> list[mpmath.mpf]:
        step = (mpmath.mpf(self.high) - self.low) / (self.number - 1)
        return [self.low + n * step for n in range(self.number)]

    def describe(self) -> str:
        return f"grid of {self.number} points on [{self.low}, {self.high}], and uniform points"

    def interval(self) -> tuple[Any, Any]:
        return self.bounds or (sp.nsimplify(self.low), sp.nsimplify(self.high))


#: Dirichlet concentrations of :class:`Distribution`: from nearly one-hot
#: (0.02: most mass on a few entries, many below 1e-30) to nearly uniform.
CONCENTRATIONS = (0.02, 0.1, 0.5, 1.0, 3.0, 30.0)
#: Share of random distributions given exact zeros, and entries near zero.
ZERO_SHARE = 0.2
NEAR_ZERO_SHARE = 0.2


#: Digits at which random distributions are normalised: above the working
#: precision of the checks, so that their entries sum to 1 there.
NORMALISING_DIGITS = 60


def _normalised(values: list[mpmath.mpf]) -> list[mpmath.mpf | None]:
    with mpmath.workdps(NORMALISING_DIGITS):
        total = mpmath.fsum(values)
        return _vector([value / total for value in values])


@dataclass(frozen=True)
class Distribution(ProbabilityVector):
    """A probability vector drawn to probe the bounds of information theory.

    Dirichlet with a concentration from :data:`CONCENTRATIONS`; a share of
    the vectors get exact zeros (``zeros``) and a share get entries pushed
    down to 1e-40..1e-8.  Entries are normalised in mpmath, so they sum to 1
    at the working precision.  With ``zeros_within`` (another variable, the
    data distribution p), exact zeros are put only where that one is zero,
    so D_KL(p ‖ q) stays finite; the edges include q = p, uniform q, and a
    one-hot q, which makes D_KL infinite whenever p has other mass.
    """

    zeros: bool = True
    zeros_within: Any = None

    def sample(self, rng: np.random.Generator, point: Point) -> list:
        size = point[self.count]
        concentration = float(rng.choice(CONCENTRATIONS))
        raw = rng.dirichlet([concentration] * size)
        allowed = np.ones(size, dtype=bool) if self.zeros else np.zeros(size, dtype=bool)
        if self.zeros_within is not None:
            allowed = np.array([value == 0 for value in point[self.zeros_within][1:]])
        raw = np.where((raw == 0) & ~allowed, 1e-300, raw)
        draw = rng.random()
        if draw < ZERO_SHARE and allowed.any():
            chosen = rng.random(size) < rng.uniform(0.1, 0.9)
            raw = np.where(chosen & allowed, 0.0, raw)
        elif draw < ZERO_SHARE + NEAR_ZERO_SHARE:
            chosen = rng.random(size) < rng.uniform(0.1, 0.9)
            raw = np.where(chosen, 10.0 ** rng.uniform(-40, -8, size), raw)
        if not raw.any():
            raw[int(rng.integers(size))] = 1.0
        return _normalised([_mpf(value) for value in raw])

    def edges(self, point: Point) -> list[list]:
        if self.zeros_within is None:
            edges = [_normalised(edge[1:]) for edge in super().edges(point)]
            return edges if self.zeros else [edge for edge in edges if all(edge[1:])]
        size = point[self.count]
        data = point[self.zeros_within]
        uniform = [_mpf(1)] * size
        one_hot = [_mpf(1)] + [_mpf(0)] * (size - 1)
        return [list(data), _normalised(uniform), _vector(one_hot)]

    def describe(self) -> str:
        where = f", zero only where {self.zeros_within} is" if self.zeros_within is not None else ""
        return f"Dirichlet distribution of {self.count} entries{where}"


def random_code_lengths(rng: np.random.Generator, size: int) -> list[int]:
    """Codeword lengths of a random binary prefix code for ``size`` symbols.

    Grows a random full binary tree by splitting a random leaf ``size - 1``
    times; the depths of the leaves are the lengths (their Kraft sum is 1).
    A third of the codes then lengthen some codewords by a few bits, which
    keeps them prefix-free and makes the Kraft sum less than 1.
    """
    leaves = [0]
    for _ in range(size - 1):
        depth = leaves.pop(int(rng.integers(len(leaves))))
        leaves += [depth + 1, depth + 1]
    rng.shuffle(leaves)
    if rng.random() < 1 / 3:
        leaves = [depth + int(rng.integers(0, 3)) for depth in leaves]
    return leaves


@dataclass(frozen=True)
class PrefixCode(Domain):
    """The codeword lengths ℓ_1..ℓ_count of a binary prefix code (integers)."""

    count: sp.Symbol | None = None

    def sample(self, rng: np.random.Generator, point: Point) -> list:
        return [None, *random_code_lengths(rng, point[self.count])]

    def edges(self, point: Point) -> list[list]:
        size = point[self.count]
        comb = [*range(1, size), size - 1]
        depth = int(np.ceil(np.log2(size)))
        short = 2 ** depth - size  # leaves at depth - 1 in a complete tree
        balanced = [depth - 1] * short + [depth] * (size - short)
        return [[None, *comb], [None, *balanced]]

    def describe(self) -> str:
        return f"lengths of a random binary prefix code for {self.count} symbols"


@dataclass(frozen=True)
class UnitIntervalVector(Domain):
    """A vector of ``count`` entries, each in [0, 1] on its own (several
    independent binary targets); they need not sum to 1."""

    count: sp.Symbol | None = None

    def sample(self, rng: np.random.Generator, point: Point) -> list:
        return _vector([_mpf(v) for v in rng.uniform(0.0, 1.0, point[self.count])])

    def edges(self, point: Point) -> list[list]:
        size = point[self.count]
        alternating = [_mpf(n % 2) for n in range(size)]
        return [_vector([_mpf(0)] * size), _vector([_mpf(1)] * size), _vector(alternating)]

    def describe(self) -> str:
        return f"{self.count} entries, each in [0, 1]"


#: At most this many edge points per formula; a larger product of edge cases
#: is subsampled with the formula's seed.
MAX_EDGE_POINTS = 160


def _order(variables: dict[Any, Domain]) -> list[Any]:
    """Counts first, then everything that depends on them."""
    return sorted(variables, key=lambda var: 0 if isinstance(variables[var], Count) else 1)


def random_points(variables: dict[Any, Domain], rng: np.random.Generator, number: int) -> list[Point]:
    """``number`` seeded random points."""
    order = _order(variables)
    points = []
    for _ in range(number):
        point: Point = {}
        for var in order:
            point[var] = variables[var].sample(rng, point)
        points.append(point)
    return points


def edge_points(variables: dict[Any, Domain], rng: np.random.Generator) -> list[Point]:
    """Every combination of edge cases, subsampled to MAX_EDGE_POINTS."""
    order = _order(variables)
    partial: list[Point] = [{}]
    for var in order:
        partial = [
            {**point, var: value}
            for point in partial
            for value in variables[var].edges(point)
        ]
    if len(partial) > MAX_EDGE_POINTS:
        chosen = sorted(rng.choice(len(partial), MAX_EDGE_POINTS, replace=False))
        partial = [partial[n] for n in chosen]
    return partial


def format_point(point: Point) -> str:
    """A point as the failure messages quote it, ``z=-30, t=[0.2, 0.8]``."""
    parts = []
    for var, value in point.items():
        if isinstance(value, list):
            shown = "[" + ", ".join(mpmath.nstr(v, 8) for v in value[1:]) + "]"
        elif isinstance(value, int):
            shown = str(value)
        else:
            shown = mpmath.nstr(value, 12)
        parts.append(f"{var}={shown}")
    return ", ".join(parts)


__all__ = [
    "Below", "Count", "Distribution", "Domain", "Grid", "Index", "Logit", "LogitVector", "Positive", "PrefixCode",
    "Probability", "ProbabilityVector", "Real", "RealVector", "UnitIntervalVector", "random_code_lengths",
    "edge_points", "format_point", "random_points",
]
