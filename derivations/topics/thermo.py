"""Thermodynamic entropy: the second law, heat engines, and the cost of erasing a bit.

Pages: ``docs/thermodynamic-entropy.md`` and ``docs/maxwell-landauer.md``.
The second law is a postulate (a law of nature, not derived); the rest is
derived from it and checked on models computed here with SymPy:

* an ideal-gas Carnot cycle (two isotherms, two adiabats) for the reversible
  engine, where the bounds are attained;
* the same cycle run between working temperatures inside the reservoirs'
  (T_1 - a(T_1 - T_2) and T_2 + b(T_1 - T_2)), so that heat crosses finite
  temperature gaps; a and b ≥ 0 measure the irreversibility;
* a one-molecule gas squeezed into half its volume in m steps, each against
  the constant pressure it ends at: a model of erasing one bit, reversible
  only as m → ∞.

Physical values use the exact SI constants.
"""

from __future__ import annotations

import logging

import mpmath
import sympy as sp

from derivations.core import Derivation, derivation, sums_to_one
from derivations.definitions import H, H_bits, K, entropy_definition, log2, n, p_
from derivations.domains import Below, Count, Distribution, Grid, Positive
from derivations.printing import latex

logger = logging.getLogger(__name__)

THERMO = "thermodynamic-entropy.md"
LANDAUER = "maxwell-landauer.md"

#: Boltzmann's constant in J/K and the elementary charge in C: exact in the SI since 2019.
BOLTZMANN = sp.Rational(1380649, 10**29)
ELEMENTARY_CHARGE = sp.Rational(1602176634, 10**28)
#: The temperature at which the cost of erasure is quoted, in kelvin.
ROOM_TEMPERATURE = 300

T1, T2, Q1, Q2, T, Q = sp.symbols("T_1 T_2 Q_1 Q_2 T Q", positive=True)
T_h, T_c = sp.symbols("T_h T_c", positive=True)
a, b = sp.symbols("a b", nonnegative=True)
eta = sp.Symbol(r"\eta", real=True)
Delta_S = sp.Symbol(r"\Delta S", real=True)
S = sp.Symbol("S", real=True)
k_B = sp.Symbol("k_B", positive=True)
m = sp.Symbol("m", integer=True, positive=True)
j = sp.Symbol("j", integer=True, positive=True)
Q_i = sp.IndexedBase("Q", real=True)
T_i = sp.IndexedBase("T", positive=True)
i = sp.Symbol("i", integer=True, positive=True)
N = sp.Symbol("N", integer=True, positive=True)

#: Reservoir temperatures (K) and heats (J) of the random admissible engines.
HOT = Positive(250.0, 2000.0)
HEAT = Positive(0.1, 1000.0)
#: Irreversibility shares a and b: 0 (reversible) up to 0.45 each.
GAP = Grid(0.0, 0.45, number=4, bounds=(sp.Integer(0), sp.Rational(9, 20)))


def carnot_heats(hot: sp.Expr, cold: sp.Expr) -> tuple[sp.Expr, sp.Expr, str]:
    """Heat taken in and given out by an ideal-gas Carnot cycle, by integration.

    The gas (amount ν, constant R, adiabatic index γ) expands isothermally at
    ``hot`` from V_1 to V_2, adiabatically to V_3, is compressed isothermally
    at ``cold`` to V_4 and adiabatically back to V_1.  On an isotherm the
    internal energy is constant, so the heat equals the work ∫ p dV.
    """
    nu, R, gamma = sp.symbols(r"\nu R \gamma", positive=True)
    V, V1, V2 = sp.symbols("V V_1 V_2", positive=True)
    working = sp.Symbol("T_w", positive=True)
    pressure = nu * R * working / V
    on_adiabat = sp.Symbol("V_end", positive=True)
    # T V^(γ-1) is constant on an adiabat: the volume reached at the other temperature.
    V3 = sp.solve(sp.Eq(hot * V2 ** (gamma - 1), cold * on_adiabat ** (gamma - 1)), on_adiabat)[0]
    V4 = V3.subs(V2, V1)
    taken = sp.integrate(pressure.subs(working, hot), (V, V1, V2))
    given = sp.integrate(pressure.subs(working, cold), (V, V4, V3))
    ratio = sp.simplify(sp.expand_log(given / taken, force=True))
    words = (rf"for an ideal gas, $Q_{{\mathrm{{in}}}} = {latex(sp.simplify(taken))}$ on the hot isotherm and "
             rf"$Q_{{\mathrm{{out}}}} = {latex(sp.simplify(sp.expand_log(given, force=True)))}$ on the cold one, "
             rf"since the adiabats give $V_3/V_4 = V_2/V_1$")
    return ratio, taken, words


def _engine(d: Derivation) -> tuple[sp.Expr, str]:
    """Reservoirs T_1 > T_2, heat Q_1 taken in, Q_2 from the model engine.

    Binds Q_2, so call it after binding anything defined in terms of Q_2.
    """
    d.varies(T1, HOT)
    d.varies(T2, Below(T1))
    d.varies(Q1, HEAT)
    d.varies(a, GAP)
    d.varies(b, GAP)
    hot_working = T1 - a * (T1 - T2)
    cold_working = T2 + b * (T1 - T2)
    ratio, _, words = carnot_heats(hot_working, cold_working)
    d.where(Q2, Q1 * ratio)
    return ratio, words


def _reversible(point: dict) -> dict:
    return {**point, a: mpmath.mpf(0), b: mpmath.mpf(0)}


@derivation("thermo.second_law", title="The second law of thermodynamics (Clausius)", page=THERMO,
            status="postulate")
def second_law(d: Derivation) -> None:
    chain = d.equation(sp.Sum(Q_i[i] / T_i[i], (i, 1, N)))
    chain.step(sp.Integer(0), r"over any cycle in which a system takes heat $Q_i$ from reservoirs at temperatures "
               r"$T_i$ (heat given out counts as negative); equality holds exactly for a reversible cycle",
               relation="<=")


@derivation("thermo.clausius_two_reservoir", title="Clausius' inequality for an engine with two reservoirs",
            page=THERMO, needs=("thermo.second_law",))
def clausius_two_reservoir(d: Derivation) -> None:
    ratio, words = _engine(d)
    law = d.use("thermo.second_law").equations[0]

    chain = d.equation(Q1 / T1 - Q2 / T2)
    two = law.lhs.subs(N, 2).doit()
    cycle = two.subs({Q_i[1]: Q1, T_i[1]: T1, Q_i[2]: -Q2, T_i[2]: T2})
    if sp.simplify(cycle - chain.lhs) != 0:
        raise d.error(f"the second law for two reservoirs gives {cycle}, not the left-hand side")
    chain.result(law.result, rf"the cycle receives $Q_1$ at $T_1$ and $-Q_2$ at $T_2$, so the second law "
                 rf"({{{{ ref: thermo.second_law }}}}) with two reservoirs reads ${latex(cycle)} \le 0$",
                 claim=sp.Integer(0), relation="<=")
    chain.equality_when(_reversible, "the cycle is reversible (the Carnot cycle, a = b = 0)")
    chain.prove_by_sign()
    d.notes = (f"Model: {words}; between working temperatures $T_1 - a(T_1 - T_2)$ and $T_2 + b(T_1 - T_2)$ "
               f"this gives $Q_2/Q_1 = {latex(ratio)}$.")



@derivation("thermo.carnot_bound", title="Carnot's bound on the efficiency of a heat engine", page=THERMO,
            needs=("thermo.clausius_two_reservoir",))
def carnot_bound(d: Derivation) -> None:
    work = Q1 - Q2
    d.where(eta, work / Q1)
    _engine(d)
    clausius = d.use("thermo.clausius_two_reservoir").equations[0]

    chain = d.equation(eta)
    fraction = chain.step(sp.expand(work / Q1), r"efficiency is work over heat taken in, and the first law gives "
                          r"$W = Q_1 - Q_2$ over a cycle")
    # Q_1/T_1 - Q_2/T_2 ≤ 0, times T_2/Q_1 > 0: Q_2/Q_1 ≥ T_2/T_1.
    lowest_share = sp.solve(sp.Eq(sp.expand(clausius.lhs * T2 / Q1), 0), Q2)[0] / Q1
    chain.result(fraction.subs(Q2 / Q1, lowest_share),
                 r"multiply {{ ref: thermo.clausius_two_reservoir }} by $T_2/Q_1 > 0$: "
                 r"$Q_2/Q_1 \ge T_2/T_1$", claim=1 - T2 / T1, relation="<=")
    chain.equality_when(_reversible, "the engine is reversible (a Carnot engine)")
    chain.prove_by_sign()


@derivation("thermo.heat_flow", title="Heat flowing from hot to cold raises the total entropy", page=THERMO,
            needs=("thermo.second_law",))
def heat_flow(d: Derivation) -> None:
    d.varies(T_h, HOT)
    d.varies(T_c, Below(T_h))
    d.varies(Q, HEAT)
    d.where(Delta_S, -Q / T_h + Q / T_c)

    chain = d.equation(Delta_S)
    chain.step(-Q / T_h + Q / T_c, r"a reservoir that takes heat $Q$ at constant temperature $T$ changes its "
               r"entropy by $Q/T$: the hot one loses $Q$, the cold one gains it")
    chain.step(Q * (1 / T_c - 1 / T_h), "take out $Q$")
    chain.result(sp.Integer(0), r"$T_c < T_h$ makes $1/T_c - 1/T_h > 0$, and $Q > 0$", claim=sp.Integer(0),
                 relation=">=")
    chain.prove_by_sign()


@derivation("thermo.landauer", title="Landauer's bound: the heat released by erasing one bit", page=LANDAUER,
            needs=("thermo.second_law",))
def landauer(d: Derivation) -> None:
    d.varies(T, Positive(1.0, 1000.0, special=(ROOM_TEMPERATURE,)))
    d.varies(m, Count(1, 200, log_uniform=True))
    steps = k_B * T * sp.Sum(1 / (2 * m - j), (j, 1, m))
    room = sp.Symbol(r"Q_{\min}", positive=True)
    d.where(Q, steps)
    d.where(room, k_B * ROOM_TEMPERATURE * sp.log(2))
    d.where(k_B, BOLTZMANN)

    entropy_drop = k_B * sp.log(2) - k_B * sp.log(1)
    chain = d.equation(Q)
    chain.step(steps, r"the model: a one-molecule gas at $T$ squeezed from volume $V$ to $V/2$ in $m$ equal steps, "
               r"each against the constant pressure $k_B T / V_j$ it ends at; the work $k_B T (V_{j-1} - V_j)/V_j$ "
               r"leaves as heat")
    chain.result(T * entropy_drop,
                 r"erasing takes the memory from $2$ equally likely states to $1$, lowering its entropy by "
                 r"$k_B \ln 2 - k_B \ln 1$ (Boltzmann); by the second law ({{ ref: thermo.second_law }}) the bath "
                 rf"must gain at least that, so $Q/T \ge k_B \ln 2$. The model reaches the bound as "
                 rf"$m \to \infty$: $\lim \sum_{{j=1}}^{{m}} 1/(2m - j) = "
                 rf"{latex(sp.limit(sp.harmonic(2 * m - 1) - sp.harmonic(m - 1), m, sp.oo))}$",
                 claim=k_B * T * sp.log(2), relation=">=")

    joules = d.equation(room)
    at_room = joules.step((k_B * T * sp.log(2)).subs(T, ROOM_TEMPERATURE),
                          rf"the bound at $T = {ROOM_TEMPERATURE}\ \mathrm{{K}}$")
    exact = at_room.subs(k_B, BOLTZMANN)
    joules.result(exact, rf"with the exact $k_B = {latex(sp.Float(BOLTZMANN, 7))}\ \mathrm{{J/K}}$: "
                  rf"$Q_{{\min}} \approx {latex(sp.Float(exact.evalf(20), 6))}\ \mathrm{{J}}$, that is "
                  rf"${latex(sp.Float((exact / ELEMENTARY_CHARGE).evalf(20), 6))}\ \mathrm{{eV}}$ "
                  rf"(one electronvolt is $e \times 1\ \mathrm{{V}}$, with the exact "
                  rf"$e = {latex(sp.Float(ELEMENTARY_CHARGE, 10))}\ \mathrm{{C}}$)",
                  claim=sp.Rational(1380649 * ROOM_TEMPERATURE, 10**29) * sp.log(2))


def landauer_at_room() -> dict[str, sp.Expr]:
    """k_B T ln 2 at ROOM_TEMPERATURE, exactly, in joules and in electronvolts."""
    joules = BOLTZMANN * ROOM_TEMPERATURE * sp.log(2)
    return {"T": sp.Integer(ROOM_TEMPERATURE), "J": joules, "eV": joules / ELEMENTARY_CHARGE}


@derivation("thermo.gibbs_shannon", title="Gibbs entropy is Shannon entropy in units of k_B ln 2", page=LANDAUER,
            needs=("entropy.units",))
def gibbs_shannon(d: Derivation) -> None:
    d.varies(K, Count(2, 50, log_uniform=True))
    d.varies(p_, Distribution(K))
    d.given(sums_to_one(p_, K))
    d.where(S, -k_B * sp.Sum(p_[n] * sp.log(p_[n]), (n, 1, K)))
    d.where(H_bits(p_), -sp.Sum(p_[n] * log2(p_[n]), (n, 1, K)))
    d.where(H(p_), entropy_definition(p_, K))
    d.where(k_B, BOLTZMANN)
    units = d.use("entropy.units").equations[0]

    chain = d.equation(S)
    gibbs = chain.step(-k_B * sp.Sum(p_[n] * sp.log(p_[n]), (n, 1, K)),
                       r"Gibbs' entropy of a system in microstate $n$ with probability $p_n$")
    in_nats = chain.step(k_B * (gibbs / k_B).subs(entropy_definition(p_, K), H(p_)),
                         r"the sum is Shannon's entropy in nats, $H(p)$, times $k_B$")
    nats_from_bits = sp.solve(sp.Eq(units.lhs, units.result), H(p_))[0]
    chain.result(in_nats.subs(H(p_), nats_from_bits),
                 r"{{ ref: entropy.units }}: $H(p) = \ln 2 \cdot H_{\mathrm{bits}}(p)$",
                 claim=k_B * sp.log(2) * H_bits(p_))


@derivation("thermo.boltzmann", title="Boltzmann's entropy as Gibbs' entropy of equally likely microstates",
            page=THERMO)
def boltzmann(d: Derivation) -> None:
    W = sp.Symbol("W", integer=True, positive=True)
    w_ = sp.IndexedBase("w", positive=True)
    d.varies(W, Count(1, 1000, log_uniform=True))
    d.where(S, -k_B * sp.Sum(w_[n] * sp.log(w_[n]), (n, 1, W)))
    d.where(w_, lambda index: 1 / W)
    d.where(k_B, BOLTZMANN)

    chain = d.equation(S)
    chain.step(-k_B * sp.Sum(w_[n] * sp.log(w_[n]), (n, 1, W)),
                       r"Gibbs' entropy, with $w_n$ the probability of microstate $n$ of $W$")
    equal = chain.step(-k_B * sp.Sum(sp.log(1 / W) / W, (n, 1, W)), r"all $W$ microstates equally likely: $w_n = 1/W$")
    chain.result(sp.expand_log(equal.doit(), force=True), r"$W$ equal terms, and $\ln(1/W) = -\ln W$",
                 claim=k_B * sp.log(W))
