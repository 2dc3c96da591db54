"""`mkdocs build --strict` turns a broken internal link or anchor into a failed build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT


def _scratch_site(tmp_path: Path, extra_line: str) -> Path:
    """A copy of the generated pages with one line added to index.md, and a
    mkdocs.yml for it (hooks still found in the repository); returns the config."""
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / ".build" / "docs", docs)
    index = docs / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + "\n" + extra_line + "\n", encoding="utf-8")
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "docs_dir: .build/docs\n" in config
    config = config.replace("docs_dir: .build/docs\n", "docs_dir: docs\n")
    config = config.replace("  - derivations/", f"  - {ROOT / 'derivations'}/")
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    return tmp_path / "mkdocs.yml"


def _strict_build(tmp_path: Path, extra_line: str) -> subprocess.CompletedProcess[str]:
    """Build the scratch site with mkdocs --strict."""
    _scratch_site(tmp_path, extra_line)
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")]
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)


@pytest.mark.parametrize(
    ("line", "reported"),
    [
        ("A [broken anchor](softmax.md#no-such-anchor).", "no-such-anchor"),
        ("A [broken page link](no-such-page.md).", "no-such-page.md"),
        ("A [broken same-page anchor](#nowhere).", "nowhere"),
    ],
)
def test_broken_internal_link_fails_the_strict_build(built_site: Path, tmp_path: Path, line: str, reported: str) -> None:
    """The validation settings in mkdocs.yml plus --strict reject the link and name it."""
    result = _strict_build(tmp_path, line)
    assert result.returncode != 0, result.stdout + result.stderr
    assert reported in result.stderr


def test_valid_internal_link_builds(built_site: Path, tmp_path: Path) -> None:
    """The same scratch build passes with a link to an anchor that exists (the check is not vacuous)."""
    result = _strict_build(tmp_path, "A [good anchor](softmax.md#softmax.ce_grad).")
    assert result.returncode == 0, result.stderr


def test_render_stage_stops_on_a_broken_anchor(built_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """build_docs' own render stage fails, names the anchor, and leaves the site untouched.

    Regression: the stage ran `mkdocs build --strict --quiet`, and --quiet drops
    the warnings before --strict counts them, so broken links passed.
    """
    import build_docs

    config = _scratch_site(tmp_path, "A [broken anchor](softmax.md#no-such-anchor).")
    site = tmp_path / "site"
    site.mkdir()
    (site / "marker").write_text("old site", encoding="utf-8")
    monkeypatch.setattr(build_docs, "CONFIG", config)
    monkeypatch.setattr(build_docs, "SITE", site)
    with pytest.raises(build_docs.BuildError, match="no-such-anchor"):
        build_docs.render_site({})
    assert [p.name for p in site.iterdir()] == ["marker"]
