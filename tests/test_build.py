"""The command line: a full build, --check, --help, and a failed check."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT

PIPELINE_IDS = {
    "sigmoid.derivative", "sigmoid.bce_grad", "sigmoid.mse_grad", "softmax.jacobian",
    "softmax.ce_grad", "softmax.mse_grad", "softmax.two_class", "cross_entropy.one_hot",
}


def test_full_build(built_site) -> None:
    """site/index.html and formulas.json exist, with every ID and all checks passed."""
    assert (built_site / "index.html").exists()
    records = json.loads((built_site / "formulas.json").read_text())
    ids = {r["id"] for r in records}
    assert PIPELINE_IDS <= ids
    assert all(c["passed"] for r in records for c in r["checks"])
    for record in records:
        page = built_site / record["page"].split("#")[0] / "index.html"
        assert f'id="{record["id"]}"' in page.read_text(), record["id"]


def test_site_makes_no_third_party_reference(built_site) -> None:
    """No page links a stylesheet, script or font from another host."""
    import re

    pattern = re.compile(r"""<(?:link|script|img)[^>]+(?:href|src)=["']https?://""")
    for page in built_site.rglob("*.html"):
        assert not pattern.search(page.read_text()), page


def test_help_lists_every_option() -> None:
    """--help explains --check, --serve and --only."""
    out = subprocess.run([sys.executable, "build_docs.py", "--help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for option in ("--check", "--serve", "--only", "--verbose"):
        assert option in out


def test_check_only_prints_stages() -> None:
    """--only derives and checks, one line per stage and a summary."""
    result = subprocess.run([sys.executable, "build_docs.py", "--only", "sigmoid.derivative"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("=== derive") and lines[1].startswith("=== check")
    assert "formulas derived" in lines[-1] and "checks passed" in lines[-1]


def test_failed_check_exits_and_leaves_site(built_site, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """A wrong claim stops the build, names it, and site/ is left untouched."""
    import build_docs
    from derivations import core
    from derivations.definitions import sigma, z

    core.load_topics()
    original = core.SPECS["sigmoid.derivative"]

    def wrong(d: core.Derivation) -> None:
        original.function(d)
        d.equations[0].claim = sigma(z) * (1 + sigma(z))

    monkeypatch.setitem(core.SPECS, "sigmoid.derivative", original.__class__(**{**original.__dict__, "function": wrong}))
    before = {p: p.stat().st_mtime_ns for p in built_site.rglob("*") if p.is_file()}
    status = build_docs.main(["--only", "sigmoid.derivative"])
    err = capsys.readouterr().err
    assert status == 1
    assert "sigmoid.derivative" in err and "expected" in err and "got" in err and "z=" in err
    status = build_docs.main([])
    assert status == 1
    after = {p: p.stat().st_mtime_ns for p in built_site.rglob("*") if p.is_file()}
    assert after == before
