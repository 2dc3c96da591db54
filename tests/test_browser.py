"""The built site in a real browser: headless Chromium driven by Playwright.

Every page is opened from a local server that the tests start themselves and
checked for what only a browser can tell: requests to other hosts, console
errors, math that failed to render or lay out, images that did not load,
formulas that make a phone screen scroll sideways, and search.  Screenshots
of the softmax page (desktop, phone, dark palette) go to ``test-artifacts/``.

Chromium is not installed by the tests.  Without it they skip, saying how to
install it; with ``CI=true`` a missing browser is a failure instead.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Flags that stop Chromium's own background traffic (updates, sync, field
# trials, ...), so that every request the tests see comes from the page.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication",
    "--metrics-recording-only",
    "--no-default-browser-check",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
# scrollWidth and innerWidth are rounded independently.
SCROLL_SLACK_PX = 1
ARTIFACTS = ROOT / "test-artifacts"
INSTALL_HINT = "install it with `apt-get install chromium` (or set CHROMIUM=/path/to/chromium)"
# Milliseconds to wait for search results; the index is built in a web worker.
SEARCH_TIMEOUT_MS = 15_000


def _require_browser() -> None:
    """Skip (or fail under CI=true) when Playwright or Chromium is missing."""
    in_ci = os.environ.get("CI", "").lower() == "true"
    problem = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = "the `playwright` package is not installed: `pip install -e '.[test]'`"
    if problem is None and not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        problem = f"Chromium not found at {CHROMIUM}: {INSTALL_HINT}"
    if problem is not None:
        if in_ci:
            pytest.fail(f"browser tests cannot run in CI: {problem}")
        pytest.skip(problem)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site without logging each request to stderr."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def origin(built_site: Path) -> Iterator[str]:
    """The built site served on 127.0.0.1 at an ephemeral port."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian Chromium, launched once for the module."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """What one page did in the browser, at one viewport width."""

    path: str
    foreign_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)


# Collected in the page after the load event and the fonts are ready.
_FACTS_JS = """
async () => {
  await document.fonts.ready;
  const katex = [...document.querySelectorAll('.katex')];
  const box = (el) => el.getBoundingClientRect();
  return {
    lang: document.documentElement.getAttribute('lang'),
    katex: katex.length,
    katexUnlaidOut: katex.filter((el) => box(el).width === 0 || box(el).height === 0).length,
    katexErrors: document.querySelectorAll('.katex-error').length,
    katexWithoutMathml: katex.filter((el) =>
      !el.querySelector('.katex-mathml math annotation[encoding="application/x-tex"]')).length,
    images: [...document.images].map((img) => ({
      src: img.currentSrc || img.src, alt: img.getAttribute('alt'),
      complete: img.complete, naturalWidth: img.naturalWidth})),
    fontsFailed: [...document.fonts].filter((f) => f.status === 'error').map((f) => f.family),
    fontsLoaded: [...document.fonts].filter((f) => f.status === 'loaded').map((f) => f.family),
    scrollWidth: document.scrollingElement.scrollWidth,
    innerWidth: window.innerWidth,
    wideDisplays: [...document.querySelectorAll('.katex-display')]
      .filter((el) => el.scrollWidth > el.clientWidth + 1).length,
    scheme: document.body.getAttribute('data-md-color-scheme'),
  };
}
"""


def _site_pages(site: Path) -> list[str]:
    """URL paths of every HTML page of the built site."""
    paths = []
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site).as_posix()
        paths.append("/" + rel.removesuffix("index.html"))
    return paths


def _visit(browser, origin: str, path: str, viewport: dict, color_scheme: str = "light", screenshot: Path | None = None) -> Visit:
    """Open one page in a fresh context and record everything it did."""
    visit = Visit(path)
    context = browser.new_context(viewport=viewport, color_scheme=color_scheme, service_workers="block")
    page = context.new_page()

    def on_request(request) -> None:
        if urlsplit(request.url).scheme in ("data", "blob"):
            return
        if not request.url.startswith(origin + "/"):
            visit.foreign_requests.append(request.url)

    context.on("request", on_request)
    context.on("requestfailed", lambda r: visit.failed_requests.append(f"{r.url}: {r.failure}"))
    page.on("console", lambda m: visit.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.console_errors.append(f"uncaught: {e}"))
    response = page.goto(origin + path, wait_until="load")
    if not path.endswith("404.html"):
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
    page.wait_for_load_state("networkidle")
    visit.facts = page.evaluate(_FACTS_JS)
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
    context.close()
    return visit


@pytest.fixture(scope="module")
def visits(browser, origin: str, built_site: Path) -> dict[tuple[str, str], Visit]:
    """Every page at desktop and phone width, keyed by (path, "desktop" | "phone")."""
    result = {}
    for path in _site_pages(built_site):
        for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            result[(path, name)] = _visit(browser, origin, path, viewport)
    return result


def _source_katex_count(site: Path, path: str) -> int:
    """Number of KaTeX formulas in a page's served HTML."""
    file = site / path.lstrip("/")
    if path.endswith("/"):
        file = file / "index.html"
    return len(re.findall(r'class="katex"', file.read_text(encoding="utf-8")))


def test_every_page_is_checked(visits, built_site: Path) -> None:
    """The pages visited are the site's pages, including the ones with math."""
    paths = {path for path, _ in visits}
    assert {"/", "/softmax/", "/sigmoid/", "/notation/", "/squared-error/", "/verification/"} <= paths
    assert sum(v.facts["katex"] for (p, w), v in visits.items() if w == "desktop") > 50


def test_no_request_leaves_the_local_server(visits) -> None:
    """No page asks any other host for anything (fonts, GitHub API, CDNs)."""
    foreign = {f"{p} ({w})": v.foreign_requests for (p, w), v in visits.items() if v.foreign_requests}
    assert foreign == {}


def test_no_failed_request(visits) -> None:
    """Every stylesheet, script, font and image the pages ask for is served."""
    failed = {f"{p} ({w})": v.failed_requests for (p, w), v in visits.items() if v.failed_requests}
    assert failed == {}


def test_no_console_error(visits) -> None:
    """No page logs an error or throws."""
    errors = {f"{p} ({w})": v.console_errors for (p, w), v in visits.items() if v.console_errors}
    assert errors == {}


def test_math_renders_and_is_laid_out(visits, built_site: Path) -> None:
    """Every formula in the HTML is in the page, laid out, with no KaTeX error."""
    for (path, width), visit in visits.items():
        facts = visit.facts
        assert facts["katexErrors"] == 0, f"{path} ({width}): .katex-error present"
        assert facts["katex"] == _source_katex_count(built_site, path), path
        assert facts["katexUnlaidOut"] == 0, f"{path} ({width}): {facts['katexUnlaidOut']} formulas with no size"
        assert facts["fontsFailed"] == [], f"{path}: fonts failed {facts['fontsFailed']}"
        if facts["katex"]:
            assert any(f.startswith("KaTeX") for f in facts["fontsLoaded"]), f"{path}: no KaTeX font loaded"


def test_formulas_expose_mathml(visits) -> None:
    """Every formula carries MathML with its TeX annotation for assistive technology."""
    missing = {p: v.facts["katexWithoutMathml"] for (p, w), v in visits.items() if v.facts["katexWithoutMathml"]}
    assert missing == {}


def test_images_load_and_have_alt_text(visits) -> None:
    """Every image is decoded (naturalWidth > 0) and has a non-empty alt."""
    for (path, width), visit in visits.items():
        for image in visit.facts["images"]:
            assert image["complete"] and image["naturalWidth"] > 0, f"{path} ({width}): {image['src']} not loaded"
            assert (image["alt"] or "").strip(), f"{path}: {image['src']} has no alt text"


def test_every_page_declares_its_language(visits) -> None:
    """<html lang=...> is set on every page."""
    assert {p: v.facts["lang"] for (p, w), v in visits.items() if not v.facts["lang"]} == {}


def test_no_sideways_scroll_on_a_phone(visits) -> None:
    """At 375 px no page scrolls sideways; wide formulas scroll inside their own box."""
    for (path, width), visit in visits.items():
        facts = visit.facts
        assert facts["scrollWidth"] <= facts["innerWidth"] + SCROLL_SLACK_PX, (
            f"{path} ({width}): page is {facts['scrollWidth']} px wide in a {facts['innerWidth']} px window")


def _unique_body_words(site: Path) -> dict[str, str]:
    """For each page, a word of its body text that no other page and no title contains."""
    import json

    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    words_of: dict[str, set[str]] = {}
    titles: set[str] = set()
    for doc in index["docs"]:
        page = doc["location"].split("#")[0]
        text = re.sub(r"<[^>]+>", " ", doc["text"])
        words_of.setdefault(page, set()).update(re.findall(r"\b[a-z]{8,}\b", text))
        titles.update(re.findall(r"[a-z]+", doc["title"].lower()))
    chosen = {}
    for page, words in words_of.items():
        others = set().union(*(w for p, w in words_of.items() if p != page))
        unique = sorted(words - others - titles)
        if unique:
            chosen[page] = unique[0]
    return chosen


_LISTS_PAGE_JS = """target => [...document.querySelectorAll('.md-search-result__link')]
    .some(link => new URL(link.href).pathname === target)"""


def test_search_finds_a_page_by_a_word_of_its_body(browser, origin: str, built_site: Path) -> None:
    """Typing a word found only in one page's body lists that page among the results."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    chosen = _unique_body_words(built_site)
    assert "softmax/" in chosen and len(chosen) >= 4, chosen
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(origin + "/", wait_until="load")
    for target, word in sorted(chosen.items()):
        page.click(".md-search__input")
        page.fill(".md-search__input", "")
        page.keyboard.type(word)
        # The previous query's results stay on screen until the new ones are
        # drawn: wait for the list to hold the page (or time out), then look.
        links = page.locator(".md-search-result__link")
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(_LISTS_PAGE_JS, arg="/" + target, timeout=SEARCH_TIMEOUT_MS)
        hrefs = {urlsplit(urljoin(page.url, h)).path for h in links.evaluate_all("els => els.map(e => e.href)")}
        assert "/" + target in hrefs, f"searching {word!r}: expected /{target}, got {sorted(hrefs)}"
        page.keyboard.press("Escape")
    context.close()


def test_link_click_lands_on_a_page_with_rendered_math(browser, origin: str) -> None:
    """Instant navigation is off: clicking a nav link loads a page whose math is laid out."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(origin + "/", wait_until="load")
    page.click('.md-nav--primary a.md-nav__link[href="softmax/"]')
    page.wait_for_url(origin + "/softmax/")
    page.wait_for_load_state("load")
    facts = page.evaluate(_FACTS_JS)
    context.close()
    assert facts["katex"] > 10 and facts["katexErrors"] == 0 and facts["katexUnlaidOut"] == 0


def test_screenshots_of_the_softmax_page(browser, origin: str) -> None:
    """Desktop, phone and dark-palette screenshots land in test-artifacts/ for a human to look at."""
    shots = {
        "softmax-desktop.png": (DESKTOP, "light"),
        "softmax-phone.png": (PHONE, "light"),
        "softmax-desktop-dark.png": (DESKTOP, "dark"),
        "softmax-phone-dark.png": (PHONE, "dark"),
    }
    for name, (viewport, scheme) in shots.items():
        visit = _visit(browser, origin, "/softmax/", viewport, color_scheme=scheme, screenshot=ARTIFACTS / name)
        assert (ARTIFACTS / name).stat().st_size > 10_000
        assert visit.facts["scheme"] == ("slate" if scheme == "dark" else "default"), name
