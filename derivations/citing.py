"""Citing formulas: the release they belong to, stable IDs, and exports.

A lecturer cites a formula by its ID (``softmax.ce_grad``), which is also its
anchor on the site.  This module owns everything that makes such a citation
dependable:

* :class:`Release`: the site's name (from ``mkdocs.yml``), its version (from
  ``pyproject.toml`` only) and that version's date (from the committed
  ``CHANGELOG.md``, never the build clock);
* the citation texts (BibTeX and plain text) that the page toolbar shows and
  ``formulas.bib`` collects, written here once;
* ``formulas.tex``: every formula as a numbered equation with ``\\label{ID}``;
* the ID registry: ``derivations/published_ids.json`` lists every published
  ID and its page; a build that drops, renames or moves one fails unless
  ``derivations/aliases.json`` records where it went.  New IDs only warn
  until ``python build_docs.py --publish-ids`` records them.
"""

from __future__ import annotations

import json
import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED_IDS = ROOT / "derivations" / "published_ids.json"
ALIASES = ROOT / "derivations" / "aliases.json"

#: ``## 0.1.0 — 2026-12-03`` (an en or em dash, or a hyphen, between them).
CHANGELOG_HEADING = re.compile(r"^##\s+\[?(?P<version>[0-9][^\s\]]*)\]?\s+[—–-]\s+(?P<date>\d{4}-\d{2}-\d{2})\s*$", re.M)

#: Placeholder for the formula's absolute URL in citation texts.  The page
#: script replaces it with ``location`` + anchor; formulas.bib with the
#: site-relative address (or ``site_url`` + address when mkdocs.yml sets one).
URL_PLACEHOLDER = "@@URL@@"

#: Characters that BibTeX and LaTeX text need escaped, and their escapes.
_TEX_TEXT_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                     "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


class CitingError(Exception):
    """Release data or the ID registry is inconsistent; says which file to fix and how."""


# ---------------------------------------------------------------------------
# the release
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """What a citation names besides the formula: site, version and date."""

    site_name: str
    version: str
    date: str
    site_url: str = ""


def changelog_date(changelog: Path, version: str) -> str:
    """The date of ``version`` in the changelog.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "CHANGELOG.md"
    >>> _ = path.write_text("# Changes\\n\\n## 0.2.0 — 2027-01-05\\n\\n## 0.1.0 — 2026-12-03\\n")
    >>> changelog_date(path, "0.1.0")
    '2026-12-03'
    """
    if not changelog.exists():
        raise CitingError(f"{changelog.name} is missing; add it with a line '## {version} — YYYY-MM-DD' for the release date")
    dates = {m.group("version"): m.group("date") for m in CHANGELOG_HEADING.finditer(changelog.read_text(encoding="utf-8"))}
    if version not in dates:
        raise CitingError(f"{changelog.name} has no heading for version {version} (pyproject.toml); "
                          f"add '## {version} — YYYY-MM-DD'; versions found: {', '.join(dates) or 'none'}")
    return dates[version]


def read_release(root: Path = ROOT) -> Release:
    """Read the release from pyproject.toml, CHANGELOG.md and mkdocs.yml under ``root``."""
    import yaml

    with open(root / "pyproject.toml", "rb") as handle:
        version = tomllib.load(handle)["project"]["version"]
    # mkdocs.yml holds no custom tags, so the safe loader reads it.
    config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    site_url = (config.get("site_url") or "").rstrip("/")
    return Release(config["site_name"], version, changelog_date(root / "CHANGELOG.md", version), site_url + "/" if site_url else "")


# ---------------------------------------------------------------------------
# citation texts
# ---------------------------------------------------------------------------


def tex_text(text: str) -> str:
    r"""Escape plain text for BibTeX fields and LaTeX text.

    >>> tex_text("cross_entropy.one_hot & 50%")
    'cross\\_entropy.one\\_hot \\& 50\\%'
    """
    return "".join(_TEX_TEXT_ESCAPES.get(ch, ch) for ch in text)


def bibtex_key(formula_id: str) -> str:
    """The BibTeX key of a formula: the ID behind a fixed prefix (dots and underscores are valid in keys)."""
    return f"cederived:{formula_id}"


def bibtex_entry(record: dict[str, Any], release: Release, url: str = URL_PLACEHOLDER) -> str:
    """One ``@misc`` entry for a formula record of formulas.json."""
    year, month, _ = release.date.split("-")
    fields = [
        ("title", f"{{{tex_text(record['title'])}}}"),
        ("author", f"{{{tex_text(release.site_name)}}}"),
        ("howpublished", f"{tex_text(release.site_name)}, version {release.version}, formula \\texttt{{{tex_text(record['id'])}}}"),
        ("year", year),
        ("month", str(int(month))),
        ("date", release.date),
        ("version", release.version),
        ("url", url),
        ("note", f"Formula {tex_text(record['id'])}, content hash {record['hash']}"),
    ]
    body = ",\n".join(f"  {name:<12} = {{{value}}}" for name, value in fields)
    return f"@misc{{{bibtex_key(record['id'])},\n{body}\n}}\n"


def plain_citation(record: dict[str, Any], release: Release, url: str = URL_PLACEHOLDER) -> str:
    """The citation as one sentence of plain text."""
    return (f"{release.site_name} (version {release.version}, {release.date}). \u201c{record['title']}\u201d, "
            f"formula {record['id']}. {url} (content hash {record['hash']}).")


def static_url(record: dict[str, Any], release: Release) -> str:
    """The formula's address for files without a browser location: site_url + page, or relative to the site root."""
    return (release.site_url or "./") + record["page"]


def bibtex_file(records: list[dict[str, Any]], release: Release) -> str:
    """formulas.bib: one entry per formula, in ID order."""
    head = f"% {release.site_name}, version {release.version} ({release.date}): every formula, one entry each.\n"
    if not release.site_url:
        head += "% The url fields are relative to the site root (mkdocs.yml sets no site_url).\n"
    return head + "\n" + "\n".join(bibtex_entry(r, release, static_url(r, release)) for r in records)


def latex_file(records: list[dict[str, Any]], release: Release) -> str:
    """formulas.tex: a standalone LaTeX document, each formula an equation labelled with its ID."""
    lines = [
        f"% {release.site_name}, version {release.version} ({release.date}).",
        "% Every formula of the site, printed from the checked SymPy objects, each labelled with its formula ID on the site.",
        "% Compile with pdflatex or latexmk; needs only amsmath.",
        r"\documentclass{article}",
        r"\usepackage{amsmath}",
        r"\begin{document}",
        rf"\section*{{{tex_text(release.site_name)}: formulas (version {release.version}, {release.date})}}",
        "",
    ]
    for record in records:
        lines.append(rf"\paragraph{{{tex_text(record['title'])}}} \texttt{{{tex_text(record['id'])}}}, hash {record['hash']}")
        lines.append(r"\begin{equation}")
        lines.append(rf"\label{{{record['id']}}}")
        lines.append(record["latex"])
        lines.append(r"\end{equation}")
        lines.append("")
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# the ID registry
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Alias:
    """A published ID that now lives elsewhere: its old page keeps an anchor leading to ``to``."""

    old: str
    old_page: str
    to: str
    reason: str


@dataclass
class IdRegistry:
    """The published IDs (ID -> page) and the aliases (old ID -> new ID, reason)."""

    published: dict[str, str]
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, published: Path | None = None, aliases: Path | None = None) -> IdRegistry:
        """Read both files (by default the committed ones); a missing aliases file means no aliases."""
        published = published or PUBLISHED_IDS
        aliases = aliases or ALIASES
        entries = json.loads(published.read_text(encoding="utf-8")) if published.exists() else {}
        moved = json.loads(aliases.read_text(encoding="utf-8")) if aliases.exists() else {}
        for old, entry in moved.items():
            if not isinstance(entry, dict) or not entry.get("to") or not entry.get("reason", "").strip():
                raise CitingError(f"{aliases.name}: alias {old!r} needs {{\"to\": NEW_ID, \"reason\": WHY}}; got {entry!r}")
        return cls(entries, moved)

    def check(self, placed: dict[str, str]) -> list[Alias]:
        """Compare the formulas placed now (ID -> page) with the published ones.

        Returns the aliases whose old anchors the pages must keep.  Raises
        :class:`CitingError` naming every published ID that was dropped,
        renamed or moved without an alias.  New IDs only log one warning.
        """
        problems = []
        kept: list[Alias] = []
        for old, page in sorted(self.published.items()):
            alias = self.aliases.get(old)
            if alias is None:
                if old not in placed:
                    problems.append(f"{old} (published on {page}) is gone: restore it, or record where it went in "
                                    f"derivations/aliases.json as \"{old}\": {{\"to\": NEW_ID, \"reason\": WHY}}")
                elif placed[old] != page:
                    problems.append(f"{old} moved from {page} to {placed[old]}: keep it on {page}, or record the move in "
                                    f"derivations/aliases.json as \"{old}\": {{\"to\": \"{old}\", \"reason\": WHY}}")
                continue
            target = alias["to"]
            if target not in placed:
                problems.append(f"derivations/aliases.json: {old} -> {target}, but no formula {target} is placed on any page")
            elif old in placed and placed[old] == page:
                problems.append(f"derivations/aliases.json: {old} still stands on {page}; remove its alias")
            else:
                kept.append(Alias(old, page, target, alias["reason"]))
        for old in sorted(set(self.aliases) - set(self.published)):
            problems.append(f"derivations/aliases.json: {old} was never published (not in derivations/published_ids.json); remove the alias")
        if problems:
            raise CitingError("published formula IDs would break old links:\n  " + "\n  ".join(problems))
        new = sorted(set(placed) - set(self.published))
        if new:
            logger.warning("%d formula ID(s) not yet published (%s); run `python build_docs.py --publish-ids` to record them",
                           len(new), ", ".join(new))
        return kept

    def publish(self, placed: dict[str, str]) -> list[str]:
        """Add the new IDs with their pages; returns them.  Published entries never change here."""
        new = sorted(set(placed) - set(self.published))
        for formula_id in new:
            self.published[formula_id] = placed[formula_id]
        return new

    def save(self, published: Path | None = None) -> None:
        """Write the registry, sorted, so that its diff shows exactly what was published."""
        published = published or PUBLISHED_IDS
        published.write_text(json.dumps(dict(sorted(self.published.items())), indent=2) + "\n", encoding="utf-8")
