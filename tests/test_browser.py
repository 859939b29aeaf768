"""The built book in a real browser: Debian's chromium, headless, driven by Playwright.

The book is built once (the session's ``built_html``, shared with test_book.py) and served
on 127.0.0.1. One browser loads every page twice, at desktop width and at phone width
(390 px), several pages at once in tabs, and records what it sees; each test below
asserts one kind of problem over every page, naming the page. (Of the hundred-odd module
source listings, all from one template, it visits the longest in each folder and those
axe checks: :func:`visited_pages`.)

- no console error and no uncaught exception;
- the maths typeset by MathJax (containers present, no TeX error, no raw ``$$``, ``\\(``
  or ``\\[`` left in the text);
- no error output, traceback or stderr in any cell;
- every internal link (page and anchor) and every image resolves;
- no request leaves 127.0.0.1 (any other host is blocked and reported);
- figure captions in dark text of a regular weight;
- at 390 px, no horizontal overflow of the page, code visible, wide equations scroll;
- at 1280 px, no display equation wider than the column (it would need a scroll bar);
- searching "LSTM" lists the LSTM chapter, with snippets free of raw LaTeX;
- accessibility (the block at the end, checks in browser_a11y.py): no violation of axe-core's
  WCAG 2.1 A/AA rules on any page, every image with a text alternative that is not a file
  name, every formula with MathML for screen readers, and the keyboard reaching, naming
  and operating the sidebar's toggles and the widgets' controls.

Screenshots of each chapter's first page are kept in ``$BROWSER_ARTIFACTS`` (default: a
pytest temporary folder). Playwright never downloads a browser here: it launches the
system's chromium (``$CHROMIUM``, default /usr/bin/chromium; the ``browser`` fixture of
conftest.py), which ``scripts/setup.sh`` installs with apt-get. Without it these tests
fail, saying how to install it.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import browser_a11y
import pytest

ROOT = Path(__file__).resolve().parents[1]

#: One worker runs this module's tests (its session or module fixtures are built once).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("book")]

PHONE = 390

#: Runs in the page: what a reader would see, reduced to what the tests check.
INSPECT = r"""
() => {
  const main = document.querySelector("main") || document.body;
  const copy = main.cloneNode(true);
  copy.querySelectorAll("pre, code, script, style, mjx-container, .highlight")
      .forEach((el) => el.remove());
  const text = copy.innerText || copy.textContent;
  const math = main.querySelectorAll(".math, span.math, div.math").length;
  return {
    text: text,
    mathSources: math,
    mathTypeset: main.querySelectorAll("mjx-container").length,
    mathErrors: [...main.querySelectorAll("mjx-merror")].map((e) => e.textContent).slice(0, 3),
    errorOutputs: [...main.querySelectorAll(
        ".cell_output .output.traceback, .cell_output .output.error, "
        + ".cell_output .output.stderr")].map((e) => e.textContent.slice(0, 200)),
    links: [...document.querySelectorAll("a[href]")].map((a) => a.href),
    images: [...main.querySelectorAll("img")].map((img) => ({
        src: img.currentSrc || img.src, ok: img.complete && img.naturalWidth > 0})),
    captions: [...main.querySelectorAll("figcaption p")].map((p) => {
      const style = getComputedStyle(p);
      const [r, g, b] = style.color.match(/\d+/g).map(Number);
      return {text: p.textContent.slice(0, 40), rgb: [r, g, b],
              weight: Number(style.fontWeight)};
    }),
    // display equations whose typeset width exceeds the box they sit in (they scroll)
    wideEquations: [...main.querySelectorAll("mjx-container[display='true']")]
        .filter((el) => el.scrollWidth > el.clientWidth + 1)
        .map((el) => {
          const box = el.closest("div.math");
          const number = box && box.querySelector(".eqno");
          const where = number ? number.textContent.trim().replace(/\s+/g, " ")
              : (box && box.id) || "unnumbered";
          return `equation ${where}: ${el.scrollWidth}px wide in ${el.clientWidth}px`;
        }),
  };
}
"""


def contrast_on_white(rgb) -> float:
    """WCAG contrast ratio of a text colour on a white page."""
    def linear(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb)
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)

#: Runs in the page at phone width: what does not fit.
LAYOUT = r"""
(width) => {
  const problems = [];
  const page = document.documentElement.scrollWidth;
  if (page > width + 1) problems.push(`the page is ${page}px wide`);
  const main = document.querySelector("main") || document.body;
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.left >= -1 && r.left < width - 20;
  };
  const scrolls = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  // on screen, or inside a box that scrolls sideways (a wide equation, a code block)
  const fitsOrScrolls = (el) => {
    for (let node = el; node && node !== main; node = node.parentElement) {
      if (scrolls(node) && node.getBoundingClientRect().right <= width + 1) return true;
    }
    return el.getBoundingClientRect().right <= width + 1;
  };
  main.querySelectorAll("pre").forEach((el, i) => {
    if (!visible(el)) problems.push(`code block ${i + 1} is off screen`);
  });
  main.querySelectorAll("td code").forEach((el, i) => {
    if (!visible(el)) problems.push(`code in a table (${el.textContent.slice(0, 30)}) is off screen`);
  });
  main.querySelectorAll("mjx-container[display='true']").forEach((el, i) => {
    if (!fitsOrScrolls(el)) problems.push(`equation ${i + 1} is cut off (neither fits nor scrolls)`);
  });
  return problems;
}
"""


REFRESH = re.compile(r'<meta[^>]+http-equiv="refresh"[^>]+url=([^"]+)"', re.I)


def page_names(html: Path) -> list[str]:
    """Every HTML page of the build, relative to its root (not the static files, not the
    redirect that the root index.html is)."""
    return sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                  if "_static" not in p.parts and "_sources" not in p.parts
                  and not REFRESH.search(p.read_text(encoding="utf-8")))


#: The module source listings (sphinx.ext.viewcode): about a hundred pages from one template.
LISTINGS = "_modules/rnn_course/"


def visited_pages(html: Path) -> list[str]:
    """The pages the browser visits: every page of the build but the module source listings,
    of which it visits the longest in each folder and those axe checks
    (:func:`browser_a11y.runs_axe`). Every listing's "[docs]" links are checked without a
    browser (test_api_page.py)."""
    names = page_names(html)
    longest: dict[str, tuple[int, str]] = {}
    for name in names:
        if name.startswith(LISTINGS):
            folder, size = name.rsplit("/", 1)[0], (html / name).stat().st_size
            longest[folder] = max(longest.get(folder, (size, name)), (size, name))
    chosen = {name for _, name in longest.values()}
    return [n for n in names if not n.startswith(LISTINGS) or n in chosen or browser_a11y.runs_axe(n)]


def chapter_first_pages(names: list[str]) -> list[str]:
    return [n for n in names if re.fullmatch(r"book/\d\d-[^/]+/index\.html", n)]


@pytest.fixture(scope="session")
def site(built_html):
    """The build served on 127.0.0.1 (a free port); yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(built_html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


#: Pages loading at once, each in a desktop and a phone tab of the one browser (a FIFO:
#: while the oldest page is inspected, the others keep loading).
AT_ONCE = int(os.environ.get("BROWSER_PAGES_AT_ONCE", max(2, os.cpu_count() or 1)))


class _Lane:
    """A desktop tab and a phone tab showing the same page, and what they saw (console
    errors, failed requests) since that page was asked for."""

    def __init__(self, context, site):
        self.site = site
        self.seen = {"console": [], "failed": []}
        self.desktop, self.phone = context.new_page(), context.new_page()
        self.phone.set_viewport_size({"width": PHONE, "height": 800})
        for page in (self.desktop, self.phone):
            page.on("console", lambda m: m.type == "error" and self.seen["console"].append(m.text))
            page.on("pageerror", lambda e: self.seen["console"].append(f"uncaught: {e}"))
            page.on("requestfailed", lambda r: self.seen["failed"].append(f"{r.url} ({r.failure})"))
            page.on("response", lambda r: r.status >= 400 and self.seen["failed"].append(f"{r.url} ({r.status})"))

    def start(self, name):
        """Ask for a page in both tabs (the phone's a fresh load at phone width, as a phone
        would get it) and return at once: the browser loads them while we look at others."""
        self.seen["console"].clear()
        self.seen["failed"].clear()
        for page in (self.desktop, self.phone):
            page.goto(self.site + name, wait_until="commit")

    def finish(self, name, screenshots):
        """Wait until both tabs have loaded and typeset the page, and fetched all it asked
        for (the fonts MathJax loads as it typesets: the next page in the tab would cancel
        them); what they show."""
        for page in (self.desktop, self.phone):
            page.wait_for_load_state("load")
            page.evaluate("() => (window.MathJax && MathJax.startup && MathJax.startup.promise)"
                          " ? MathJax.startup.promise.then(() => true) : true")
            page.wait_for_load_state("networkidle")
        report = self.desktop.evaluate(INSPECT)
        report["a11y"] = browser_a11y.check(self.desktop, name)  # accessibility, as loaded
        report["layout"] = self.phone.evaluate(LAYOUT, PHONE)
        if screenshots is not None:
            for page, width in ((self.desktop, 1280), (self.phone, PHONE)):
                page.screenshot(path=str(screenshots / f"{name.replace('/', '_')}-{width}.png"),
                                full_page=True)
        report["console"] = list(self.seen["console"])
        report["failed"] = list(self.seen["failed"])
        return report


def outside_of(site: str) -> re.Pattern:
    """The URLs that leave ``site`` (and the page: not ``data:``, ``blob:``, ``about:``).
    Routed with this pattern, only those are intercepted: it is matched in the browser, so
    the site's own requests never wait for this process."""
    return re.compile(rf"^(?!{re.escape(site)}|data:|blob:|about:)")


def test_only_requests_that_leave_the_site_are_intercepted():
    outside = outside_of("http://127.0.0.1:8123/")
    for url in ("http://example.com/x.png", "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js",
                "http://127.0.0.1:9999/", "http://localhost:8123/", "http://127.0.0.1:8123.evil.org/"):
        assert outside.search(url), url
    for url in ("http://127.0.0.1:8123/", "http://127.0.0.1:8123/book/intro.html#top", "data:image/png;base64,AA",
                "blob:http://127.0.0.1:8123/1f", "about:blank"):
        assert not outside.search(url), url


@pytest.fixture(scope="session")
def visits(browser, site, built_html, artifacts):
    """Visit every page once, ``AT_ONCE`` pages at a time in tabs of the one browser;
    returns ``(reports, outside)``: per page what was seen, and every request to a host
    other than 127.0.0.1 (all blocked)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside = []

    def block(route_, request):
        outside.append(request.url)
        route_.abort()

    context.route(outside_of(site), block)
    names = visited_pages(built_html)
    firsts = chapter_first_pages(names)
    waiting = iter(names)
    loading = []  # (lane, name), oldest first
    for lane in [_Lane(context, site) for _ in range(min(AT_ONCE, len(names)))]:
        name = next(waiting)
        lane.start(name)
        loading.append((lane, name))
    reports = {}
    while loading:
        lane, name = loading.pop(0)
        reports[name] = lane.finish(name, artifacts if name in firsts else None)
        following = next(waiting, None)
        if following is not None:
            lane.start(following)
            loading.append((lane, following))
    context.close()
    return reports, outside


def problems(reports, kind) -> list[str]:
    return [f"{name}: {item}" for name, report in reports.items() for item in report[kind]]


def test_every_page_was_visited(visits, built_html):
    reports, _ = visits
    assert len(reports) >= 30 and "book/intro.html" in reports
    names = page_names(built_html)
    assert set(reports) == set(visited_pages(built_html))
    assert all(n in reports for n in names if not n.startswith(LISTINGS))
    folders = {n.rsplit("/", 1)[0] for n in names if n.startswith(LISTINGS)}
    assert len(folders) > 10 and folders == {n.rsplit("/", 1)[0] for n in reports if n.startswith(LISTINGS)}
    assert chapter_first_pages(list(reports)), "no chapter index pages found"
    # the root index.html only redirects: to a page that was visited
    target = REFRESH.search((built_html / "index.html").read_text(encoding="utf-8"))
    assert target and target.group(1) in reports, "index.html must redirect to a page of the book"


def test_no_console_errors(visits):
    found = problems(visits[0], "console") + problems(visits[0], "failed")
    assert not found, "console errors and failed requests:\n" + "\n".join(found)


def test_maths_is_typeset(visits):
    bad = []
    for name, report in visits[0].items():
        if report["mathSources"] and not report["mathTypeset"]:
            bad.append(f"{name}: {report['mathSources']} formulas, none typeset by MathJax")
        if report["mathErrors"]:
            bad.append(f"{name}: TeX errors {report['mathErrors']}")
        for raw in ("$$", "\\(", "\\)", "\\["):
            if raw in report["text"]:
                at = report["text"].index(raw)
                bad.append(f"{name}: raw {raw!r} in the text: ...{report['text'][max(0, at - 40):at + 40]!r}")
    typeset = sum(r["mathTypeset"] for r in visits[0].values())
    assert typeset > 500, f"only {typeset} formulas typeset in the whole book"
    assert not bad, "\n".join(bad)


def test_no_error_output_in_any_cell(visits):
    bad = problems(visits[0], "errorOutputs")
    bad += [f"{name}: a traceback in the text" for name, r in visits[0].items()
            if "Traceback (most recent call last)" in r["text"]]
    assert not bad, "\n".join(bad)


def test_internal_links_and_images_resolve(visits, site, built_html):
    ids_of: dict[Path, set[str]] = {}

    def ids(path: Path) -> set[str]:
        if path not in ids_of:
            ids_of[path] = set(re.findall(r'\bid="([^"]+)"', path.read_text(encoding="utf-8")))
        return ids_of[path]

    broken = []
    for name, report in visits[0].items():
        for link in set(report["links"]):
            if not link.startswith(site):
                continue  # external links are not followed (and never loaded)
            parts = urlsplit(link)
            target = built_html / unquote(parts.path[len(urlsplit(site).path):])
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{name}: link to a missing page {link}")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in ids(target):
                broken.append(f"{name}: link to a missing anchor {link}")
        for image in report["images"]:
            if not image["ok"]:
                broken.append(f"{name}: image not shown {image['src']}")
    assert not broken, "\n".join(sorted(broken))


def test_figure_captions_are_readable(visits):
    """Dark text (contrast at least 7:1 on white, WCAG AAA) in a regular weight."""
    bad = [f"{name}: caption {c['text']!r} has colour {c['rgb']} "
           f"(contrast {contrast_on_white(c['rgb']):.1f}) and weight {c['weight']}"
           for name, report in visits[0].items() for c in report["captions"]
           if contrast_on_white(c["rgb"]) < 7 or c["weight"] < 400]
    assert sum(len(r["captions"]) for r in visits[0].values()) > 20
    assert not bad, "\n".join(bad[:20])


def test_no_request_leaves_localhost(visits):
    outside = sorted(set(visits[1]))
    assert not outside, "requests to other hosts (blocked):\n" + "\n".join(outside)


def test_no_display_equation_is_wider_than_the_column(visits):
    """At 1280 px every display equation fits its column: a wide one is broken over lines."""
    bad = problems(visits[0], "wideEquations")
    assert not bad, "display equations wider than the column at 1280 px:\n" + "\n".join(bad)


def test_layout_holds_at_phone_width(visits):
    bad = problems(visits[0], "layout")
    assert not bad, f"at {PHONE} px:\n" + "\n".join(bad)


def test_chapter_screenshots_are_kept(visits, artifacts):
    firsts = chapter_first_pages(list(visits[0]))
    for name in firsts:
        for width in (1280, PHONE):
            shot = artifacts / f"{name.replace('/', '_')}-{width}.png"
            assert shot.is_file() and shot.stat().st_size > 10_000, shot


def test_search_for_lstm_finds_the_lstm_chapter(browser, site):
    page = browser.new_page()
    page.route("**/*", lambda route, request: route.continue_()
               if request.url.startswith(site) else route.abort())
    page.goto(urljoin(site, "search.html?q=LSTM"))
    page.wait_for_selector("#search-results li p.context", timeout=30_000)
    page.wait_for_function("() => !document.querySelector('#search-results .search-pulse, "
                           "#search-progress:not(:empty)') || "
                           "document.querySelectorAll('#search-results li').length > 10",
                           timeout=30_000)
    results = page.eval_on_selector_all(
        "#search-results li",
        "items => items.map((li) => ({href: li.querySelector('a').href, text: li.innerText}))")
    page.close()
    hrefs = [urlsplit(r["href"]).path for r in results]
    assert any(h.endswith("book/04-lstm/index.html") for h in hrefs), hrefs[:20]
    snippets = "\n".join(r["text"] for r in results)
    for raw in ("\\(", "\\)", "$$", ".pdf"):
        assert raw not in snippets, f"a search snippet shows {raw!r}"


# --------------------------------------------------------------------------------------
# Accessibility: WCAG 2.1 AA as far as it can be checked automatically (README,
# "Accessibility"); the checks themselves are in browser_a11y.py.


def a11y_problems(reports, kind) -> list[str]:
    return [f"{name}: {item}" for name, report in reports.items() for item in report["a11y"][kind]]


def test_no_wcag_violation_on_any_page(visits):
    """axe-core, WCAG 2.0 and 2.1 rules of levels A and AA, every page at 1280 px (a
    sample of the module source listings, browser_a11y.runs_axe)."""
    ran = {name for name, report in visits[0].items() if report["a11y"]["axe_ran"]}
    assert "book/intro.html" in ran and any(n.startswith("exercises/") for n in ran)
    assert all(n in ran for n in visits[0] if not n.startswith(LISTINGS))
    found = a11y_problems(visits[0], "axe")
    assert not found, "axe-core (WCAG 2.1 A/AA) violations:\n" + "\n".join(found)


def test_every_image_says_what_it_shows(visits):
    assert sum(len(report["images"]) for report in visits[0].values()) > 30
    found = a11y_problems(visits[0], "images")
    assert not found, "\n".join(found)


def test_every_formula_has_mathml_for_screen_readers(visits):
    found = a11y_problems(visits[0], "math")
    assert not found, "\n".join(found[:20])


def _open(browser, site, name, *, html=None, init_script=None, outside=None):
    """A new page at ``site + name`` (served ``html`` when given; ``init_script`` run
    first), nothing from elsewhere (requests to other hosts go into ``outside``)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    def route(route_, request):
        if html is not None and request.url == site + name:
            route_.fulfill(body=html, content_type="text/html; charset=utf-8")
        elif request.url.startswith(site):
            route_.continue_()
        else:
            if outside is not None:
                outside.append(request.url)
            route_.abort()

    page.route("**/*", route)
    if init_script:
        page.add_init_script(init_script)
    page.goto(site + name, wait_until="load")
    page.evaluate("() => (window.MathJax && MathJax.startup && MathJax.startup.promise)"
                  " ? MathJax.startup.promise.then(() => true) : true")
    return page


def test_keyboard_reaches_names_and_operates_the_toggles(browser, site):
    """Tab through a chapter page: every stop visible, named (a formula by its hidden
    MathML), showing the focus; the sidebar's toggles are among them and open and close
    with Enter and Space; a formula opens MathJax's menu with Shift+F10."""
    page = _open(browser, site, "book/04-lstm/gates.html")
    stops = browser_a11y.tab_walk(page, 60)
    bad = [f"{s['html']} (role {s['role']!r}, name {s['name']!r}, visible {s['visible']}, "
           f"focus ring {s['ring']})" for s in stops
           if not ((s["name"] or s["tag"] == "mjx-container") and s["visible"] and s["ring"])]
    assert len(stops) > 30 and not bad, "\n".join(bad)
    toggles = [s for s in stops if s["tag"] == "summary"]
    assert toggles and all(s["name"].startswith("Sections of ") for s in toggles), toggles
    page.locator("nav.bd-docs-nav summary").first.focus()  # reached by Tab above
    is_open = "() => document.activeElement.parentElement.open"
    before = page.evaluate(is_open)
    page.keyboard.press("Enter")
    assert page.evaluate(is_open) != before, "Enter did not toggle the section list"
    page.keyboard.press("Space")
    assert page.evaluate(is_open) == before, "Space did not toggle the section list back"
    page.focus("main mjx-container")
    page.keyboard.press("Shift+F10")
    assert page.is_visible(".CtxtMenu_Menu"), "Shift+F10 on a formula did not open MathJax's menu"
    page.keyboard.press("Escape")
    page.close()


def test_widgets_are_named_and_work_from_the_keyboard(browser, site, artifacts):
    """The book's four widgets, drawn by the book's copy of Jupyter's widget manager: no
    WCAG violation but the slider handles' missing names (ipywidgets draws them without
    one; the labelled number box beside each is the named control), every number box
    reached by Tab under its label, and the arrow keys moving both kinds of control."""
    import numpy as np

    import rnn_course as rc
    from rnn_course.book.gradients import gradient_norm_explorer
    from rnn_course.book.language import TemperatureExplorer
    from rnn_course.book.lstm import gate_explorer
    from rnn_course.book.stepping import hidden_state_stepper

    pulse = np.zeros((6, 1))
    pulse[1] = 1.0
    views = [hidden_state_stepper(pulse, rc.init_rnn_params(1, 3, 2, rng=0)),
             gradient_norm_explorer(T=10), gate_explorer(),
             TemperatureExplorer(rc.init_model("gru", 4, 5, 4, rng=0), list("ab c"),
                                 prompt="a", length=20)]
    html = browser_a11y.widget_page(views, "The book's widgets")
    page = _open(browser, site, "widgets-a11y.html", html=html)
    page.wait_for_function("() => document.querySelectorAll('main img').length === 4")
    page.screenshot(path=str(artifacts / "widgets-a11y-1280.png"), full_page=True)
    found = browser_a11y.check(page, exclude=[".noUi-handle"])
    assert not found["axe"] and not found["images"], "\n".join(found["axe"] + found["images"])
    stops = browser_a11y.tab_walk(page, 17)  # one round: 8 boxes, 8 sliders, back to the top
    boxes = [s for s in stops if s["role"] == "spinbutton"]
    expected = ["step t", "ρ of W_h", "length T", "forget gate f", "input gate i",
                "output gate o", "candidate C̃", "temperature τ"]
    assert [s["name"] for s in boxes][:8] == expected
    assert all(s["visible"] and s["ring"] for s in stops), [s for s in stops if not s["ring"]]
    box = page.get_by_role("spinbutton", name="length T")
    before = float(box.input_value())
    box.focus()
    page.keyboard.press("ArrowUp")
    assert float(box.input_value()) > before
    handle = page.locator(".noUi-handle").first
    before = float(handle.get_attribute("aria-valuenow"))
    handle.focus()
    page.keyboard.press("ArrowRight")
    assert float(handle.get_attribute("aria-valuenow")) > before
    page.close()


def test_maths_is_spoken_offline_when_the_reader_asks(browser, site):
    """A reader who turns on MathJax's explorer (its menu, Accessibility; the choice is kept
    in the browser) hears each formula spoken: every formula gets its speech, made by the
    book's own copy of the speech rule engine, and nothing is fetched from elsewhere."""
    outside = []
    page = _open(browser, site, "book/02-bptt/loss-over-time.html", outside=outside,
                 init_script="localStorage.setItem('MathJax-Menu-Settings', "
                             "JSON.stringify({explorer: true}))")
    page.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0 && "
                           "[...document.querySelectorAll('mjx-container')]"
                           ".every((m) => m.getAttribute('aria-label'))", timeout=60_000)
    spoken = page.eval_on_selector_all("mjx-container", "ms => ms.map((m) => m.getAttribute('aria-label'))")
    page.close()
    assert not outside, outside
    assert any("Subscript" in s or "equals" in s for s in spoken), spoken[:5]
