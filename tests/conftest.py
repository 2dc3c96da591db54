"""Shared fixtures: the derived and checked formulas, and one full build."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def formulas() -> dict:
    """Every formula, derived and checked once per test session."""
    from derivations.check import check_all
    from derivations.core import derive_all

    derived = derive_all()
    check_all(derived)
    return derived


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete build of the site (the same as `python build_docs.py`)."""
    import build_docs

    summary = build_docs.build()
    assert summary["formulas"] > 0
    return build_docs.SITE


@pytest.fixture
def in_ci() -> bool:
    """True when the tests run in CI, where skipping for a missing tool is a failure."""
    return os.environ.get("CI", "").lower() == "true"


def copy_docs(target: Path) -> Path:
    """A scratch copy of docs/ that a test may break."""
    shutil.copytree(ROOT / "docs", target)
    return target
