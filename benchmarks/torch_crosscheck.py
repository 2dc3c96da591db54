"""Measure reference.py and the derived formulas against PyTorch; write the maxima.

Run from the repository root::

    PYTHONPATH=. python benchmarks/torch_crosscheck.py

Writes ``benchmarks/torch_crosscheck.json`` (committed), which the page
``pytorch-crosscheck.md`` shows with its date and PyTorch version when a
build has no PyTorch of its own.
"""

from __future__ import annotations

import datetime
import json
import logging
import sys
from pathlib import Path

import numpy as np

from derivations.core import derive_all
from derivations.crosscheck import FORMULA_TOLERANCE, REFERENCE_TOLERANCE, measure

logger = logging.getLogger("benchmarks.torch_crosscheck")
OUTPUT = Path(__file__).resolve().parent / "torch_crosscheck.json"
NEEDED = ("softmax.ce_logsumexp", "softmax.ce_grad_label_smoothing", "likelihood.bernoulli_frequency",
          "learning.ce_no_slowdown", "learning.mse_slowdown")


def main() -> int:
    """Measure, write the JSON, and fail if a difference exceeds its tolerance."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    import torch

    maxima = measure(derive_all(NEEDED))
    record = {
        "date": datetime.date.today().isoformat(),
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "tolerances": {"reference": REFERENCE_TOLERANCE, "formulas": FORMULA_TOLERANCE},
        "maxima": maxima,
    }
    OUTPUT.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    worst = max(max(row["value"], row["gradient"]) for row in maxima.values())
    logger.info("=== torch cross-check: largest difference %.2e, written to %s", worst, OUTPUT)
    failed = [name for name, row in maxima.items()
              if max(row["value"], row["gradient"]) > (FORMULA_TOLERANCE if name.startswith("formula") else REFERENCE_TOLERANCE)]
    if failed:
        logger.error("above tolerance: %s", ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
