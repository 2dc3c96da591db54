#!/usr/bin/env python3
"""Build the site: derive, check, emit Markdown, render with MkDocs.

    python build_docs.py            derive, check, write pages, build site/
    python build_docs.py --check    derive and check only
    python build_docs.py --serve    build, serve on localhost, rebuild on change
    python build_docs.py --publish-ids
                                    build, then record new formula IDs in
                                    derivations/published_ids.json

A failed check stops the build before anything is written: the message names
the formula, the check, the point, the expected and the actual value, and the
site/ of the last good build stays as it was.  Pages and the site are built
in temporary folders and swapped in only when complete.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
DOCS = ROOT / "docs"
GENERATED = ROOT / ".build" / "docs"
CACHE = ROOT / ".cache" / "katex"
SITE = ROOT / "site"
CONFIG = ROOT / "mkdocs.yml"

logger = logging.getLogger("build_docs")


@contextmanager
def stage(name: str, timings: dict[str, float], describe: Callable[[], str] = lambda: "") -> Iterator[None]:
    """Time one stage and print one line for it."""
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    timings[name] = elapsed
    detail = describe()
    print(f"=== {name:<7} {elapsed:6.2f} s  {detail}", flush=True)


def swap_in(fresh: Path, target: Path) -> None:
    """Replace ``target`` by ``fresh`` so that a reader never sees half of it."""
    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    if old.exists():
        shutil.rmtree(old)


def derive_and_check(only: list[str] | None, timings: dict[str, float]) -> dict[str, Any]:
    from derivations.check import check_all
    from derivations.core import derive_all

    formulas: dict[str, Any] = {}
    with stage("derive", timings, lambda: f"{len(formulas)} formulas"):
        formulas.update(derive_all(only))
    counts = {"checks": 0, "points": 0}

    def checked() -> str:
        return f"{counts['checks']} checks, {counts['points']} point evaluations, all passed"

    with stage("check", timings, checked):
        check_all(formulas)
        for formula in formulas.values():
            counts["checks"] += len(formula.checks)
            counts["points"] += sum(c.points for c in formula.checks)
    return formulas


def emit_pages(formulas: dict[str, Any], timings: dict[str, float]) -> dict[str, int]:
    from derivations.citing import IdRegistry, read_release
    from derivations.emit import emit

    counts: dict[str, int] = {}
    with stage("emit", timings, lambda: f"{counts.get('pages', 0)} pages, {counts.get('math', 0)} formulas rendered by KaTeX"):
        GENERATED.parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix="docs-", dir=GENERATED.parent))
        try:
            counts.update(emit(formulas, DOCS, fresh, CACHE, read_release(ROOT), IdRegistry.load()))
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        swap_in(fresh, GENERATED)
    return counts


def render_site(timings: dict[str, float]) -> None:
    with stage("render", timings, lambda: f"site in {SITE.relative_to(ROOT)}/"):
        fresh = Path(tempfile.mkdtemp(prefix="site-", dir=ROOT / ".build"))
        env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
        # No --quiet: MkDocs 1.6 counts warnings for --strict through its log,
        # and --quiet drops them before they are counted, so a broken link
        # would pass.  The output is captured and shown only on failure.
        command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(CONFIG), "--site-dir", str(fresh)]
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            shutil.rmtree(fresh, ignore_errors=True)
            raise BuildError("mkdocs build --strict failed; site/ is unchanged:\n" + (result.stderr or result.stdout).strip())
        swap_in(fresh, SITE)


class BuildError(Exception):
    """A stage failed; the message says which and why."""


def build(only: list[str] | None = None, check_only: bool = False, publish_ids: bool = False) -> dict[str, Any]:
    timings: dict[str, float] = {}
    formulas = derive_and_check(only, timings)
    summary: dict[str, Any] = {"formulas": len(formulas), "timings": timings}
    summary["checks"] = sum(len(f.checks) for f in formulas.values())
    if check_only:
        return summary
    summary.update(emit_pages(formulas, timings))
    render_site(timings)
    if publish_ids:
        summary["published"] = publish(formulas)
    return summary


def publish(formulas: dict[str, Any]) -> list[str]:
    """Record the IDs of this (successful) build that are not yet published; returns them.

    Only adds: a published ID is never removed or moved here (that needs an
    entry in derivations/aliases.json), so old links keep working.
    """
    from derivations import citing

    registry = citing.IdRegistry.load()
    new = registry.publish({fid: formula.page for fid, formula in formulas.items()})
    if new:
        registry.save()
    where = os.path.relpath(citing.PUBLISHED_IDS, ROOT)
    print(f"=== publish {len(new)} new ID(s) recorded in {where}: {', '.join(new) or 'none'}", flush=True)
    return new


def _watched() -> dict[Path, float]:
    files = [*DOCS.rglob("*"), *(ROOT / "derivations").rglob("*.py"), CONFIG]
    return {path: path.stat().st_mtime for path in files if path.is_file()}


def serve(address: str) -> int:
    """Build, serve the site, and rebuild whenever a source or derivation changes."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--config-file", str(CONFIG), "--dev-addr", address], cwd=ROOT, env=env)
    print(f"serving on http://{address}/ ; edit docs/ or derivations/ and the page rebuilds (Ctrl-C stops)", flush=True)
    seen = _watched()
    try:
        while server.poll() is None:
            time.sleep(1.0)
            now = _watched()
            if now != seen:
                seen = now
                print("change seen; rebuilding pages", flush=True)
                # A fresh interpreter, so that edited derivation modules load anew.
                subprocess.run([sys.executable, str(ROOT / "build_docs.py"), "--pages-only"], cwd=ROOT)
    except KeyboardInterrupt:
        pass
    finally:
        server.terminate()
        server.wait()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Derive every formula with SymPy, check it, write the pages and build the site into site/.",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="derive and check only; write nothing")
    group.add_argument("--serve", action="store_true", help="build, then serve the site locally and rebuild when docs/ or derivations/ change")
    group.add_argument("--publish-ids", action="store_true",
                       help="build, then add the new formula IDs (with their pages) to derivations/published_ids.json; commit that file")
    group.add_argument("--pages-only", action="store_true", help="derive, check and write the Markdown pages, without running MkDocs (used by --serve)")
    parser.add_argument("--only", nargs="+", metavar="ID", help="derive and check only these formula IDs (and what they need); implies --check")
    parser.add_argument("--dev-addr", default="127.0.0.1:8000", help="address for --serve (default 127.0.0.1:8000)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each formula as it is derived and checked")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    from derivations.check import CheckFailure
    from derivations.citing import CitingError
    from derivations.core import DerivationError
    from derivations.emit import EmitError
    from derivations.mathrender import KatexInstallError, KatexProcessError, MathRenderError

    started = time.perf_counter()
    try:
        if args.pages_only:
            timings: dict[str, float] = {}
            emit_pages(derive_and_check(None, timings), timings)
            return 0
        summary = build(args.only, check_only=args.check or bool(args.only), publish_ids=args.publish_ids)
    except CheckFailure as failure:
        print(f"\nCHECK FAILED; nothing was written and site/ is unchanged.\n{failure}", file=sys.stderr)
        return 1
    except (DerivationError, EmitError, CitingError, MathRenderError, KatexInstallError, KatexProcessError, BuildError) as error:
        print(f"\nBUILD FAILED ({type(error).__name__}); site/ is unchanged.\n{error}", file=sys.stderr)
        return 1
    total = time.perf_counter() - started
    if args.check or args.only:
        print(f"=== done    {total:6.2f} s  {summary['formulas']} formulas derived, {summary['checks']} checks passed")
    else:
        print(f"=== done    {total:6.2f} s  {summary['formulas']} formulas derived, {summary['checks']} checks passed, "
              f"{summary['pages']} pages written, site in site/")
    if args.serve:
        return serve(args.dev_addr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
