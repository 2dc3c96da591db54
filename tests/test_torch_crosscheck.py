"""reference.py and the derived formulas against PyTorch in float64.

Tolerances: derivations.crosscheck.REFERENCE_TOLERANCE (1e-13, normwise
relative) for reference.py at random and extreme inputs, and
FORMULA_TOLERANCE (1e-12) for the lambdified textbook formulas at moderate
inputs.  Reductions are matched: mean over examples for cross-entropy and
binary cross-entropy; torch's mse_loss (mean over all entries, no 1/2) is
compared with 2/K times ours.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

from derivations.core import derive_all
from derivations.crosscheck import FORMULA_TOLERANCE, REFERENCE_TOLERANCE, measure_formulas, measure_reference

TORCH_MISSING = importlib.util.find_spec("torch") is None

if TORCH_MISSING and os.environ.get("CI") == "true":
    pytest.fail("CI=true but torch is not installed: install the 'torch' extra (torch==2.13.0)", pytrace=False)

pytestmark = pytest.mark.skipif(TORCH_MISSING, reason="torch is not installed (pip install torch==2.13.0 to run the cross-check)")

NEEDED = ("softmax.ce_logsumexp", "softmax.ce_grad_label_smoothing", "likelihood.bernoulli_frequency",
          "learning.ce_no_slowdown", "learning.mse_slowdown")


def test_reference_matches_torch():
    """cross_entropy (indices, probabilities, label smoothing), BCE with logits and mse_loss: values and gradients."""
    rows = measure_reference()
    assert set(rows) == {"ce_indices", "ce_probabilities", "ce_smoothing", "bce", "mse"}
    for name, row in rows.items():
        assert row["value"] <= REFERENCE_TOLERANCE, (name, row)
        assert row["gradient"] <= REFERENCE_TOLERANCE, (name, row)


def test_derived_formulas_match_torch():
    """The lambdified textbook formulas agree with torch's values and autograd gradients."""
    rows = measure_formulas(derive_all(NEEDED))
    for name, row in rows.items():
        assert row["value"] <= FORMULA_TOLERANCE, (name, row)
        assert row["gradient"] <= FORMULA_TOLERANCE, (name, row)
