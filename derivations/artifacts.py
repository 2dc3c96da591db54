"""Figures, tables and data files that pages embed, computed at build time.

A page writes ``{{ figure: entropy.binary_curve }}`` or ``{{ table:
coding.weather }}``; the function registered under that name produces it from
the derived formulas (never from numbers typed into the prose).

* ``@figure(name, alt=...)``: returns a matplotlib Figure; saved as SVG.
* ``@table(name)``: returns Markdown (a table, with math as ``$...$``).
* ``@data_file(path)``: returns a JSON-serialisable object written to
  ``site/<path>`` (for example ``data/single_neuron.json``).

Each function receives the dict of derived formulas (by ID).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Artifact:
    """One registered producer."""

    name: str
    kind: str
    function: Callable[[dict[str, Any]], Any]
    alt: str = ""
    caption: str = ""


FIGURES: dict[str, Artifact] = {}
TABLES: dict[str, Artifact] = {}
DATA_FILES: dict[str, Artifact] = {}


def figure(name: str, *, alt: str, caption: str = "") -> Callable:
    """Register a figure; ``alt`` is required (every image has alt text)."""
    if not alt.strip():
        raise ValueError(f"figure {name!r} needs alt text describing what it shows")

    def register(function: Callable) -> Callable:
        FIGURES[name] = Artifact(name, "figure", function, alt=alt, caption=caption)
        return function

    return register


def table(name: str) -> Callable:
    """Register a Markdown table."""

    def register(function: Callable) -> Callable:
        TABLES[name] = Artifact(name, "table", function)
        return function

    return register


def data_file(path: str) -> Callable:
    """Register a JSON data file written into the site at ``path``."""

    def register(function: Callable) -> Callable:
        DATA_FILES[path] = Artifact(path, "data", function)
        return function

    return register
