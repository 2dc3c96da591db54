#!/usr/bin/env python3
"""Print the time of each build stage, and of the check of each formula.

    python benchmarks/stage_times.py [--repeat N]

A benchmark, not a test: it prints figures and never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="full builds to time (default 1)")
    args = parser.parse_args()

    import build_docs
    from derivations.check import check_formula
    from derivations.core import derive_all

    stages: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        summary = build_docs.build()
        for name, seconds in summary["timings"].items():
            stages.setdefault(name, []).append(seconds)
    print("\nstage     median s  (of %d builds)" % args.repeat)
    for name, values in stages.items():
        print(f"{name:<8} {statistics.median(values):8.2f}")

    print("\nformula                            check s  checks")
    formulas = derive_all()
    for formula_id in sorted(formulas):
        start = time.perf_counter()
        results = check_formula(formulas[formula_id])
        print(f"{formula_id:<34} {time.perf_counter() - start:7.2f}  {len(results):6d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
