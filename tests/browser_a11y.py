"""The accessibility checks of the browser tests (test_browser.py), run in a page that is
already loaded: axe-core's WCAG 2.0/2.1 A and AA rules, the text alternatives of images,
the maths for assistive technology, and a walk through the page with the keyboard.

axe-core comes from the npm registry like MathJax (pinned in package.json as a
devDependency; ``npm ci`` in scripts/build-book.sh installs it into node_modules/). It
is injected into the page under test, never shipped with the book.
"""

from __future__ import annotations

import functools
import zlib
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

#: The rule sets of WCAG 2.1 level AA: A and AA of 2.0 and of 2.1.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Where the page under test loads axe from (served by :func:`check` itself, so that the
#: browser compiles it once, not once per page).
AXE_PATH = "/__tests__/axe.min.js"


def runs_axe(name: str) -> bool:
    """axe runs on every page but the module source listings (``_modules/rnn_course/``,
    sphinx.ext.viewcode), where it runs on one in 16, chosen by name so that each run
    checks the same ones: about 90 pages made from one template in one code style, each
    as slow to check as a chapter. The image and maths checks run on every page."""
    return not name.startswith("_modules/rnn_course/") or zlib.crc32(name.encode()) % 16 == 0


@functools.cache
def axe_source() -> str:
    if not AXE.is_file():
        raise FileNotFoundError(
            f"{AXE} is missing: run scripts/build-book.sh (its `npm ci` installs axe-core, "
            "pinned in package.json) or `npm ci` at the repository root")
    return AXE.read_text(encoding="utf-8")


#: Runs in the page: axe's violations of the WCAG A/AA rules, each with a few of its
#: elements, and every image whose alt text is missing, empty or a file name.
CHECK = r"""
async ([tags, exclude]) => {
  const context = exclude.length ? {include: [document], exclude: exclude} : document;
  const result = tags.length ? await axe.run(context, {runOnly: {type: "tag", values: tags},
                                                       resultTypes: ["violations"]})
                             : {violations: []};
  const violations = result.violations.map((v) =>
      `${v.id} (${v.impact}, ${v.nodes.length}): ${v.help}; e.g. `
      + v.nodes.slice(0, 2).map((n) => n.target.join(" ") + " " + n.html.slice(0, 120)).join(" | "));
  const fileName = /(^|\/)[\w.\-]+\.(svg|png|jpe?g|gif|webp)$/i;
  const images = [...document.querySelectorAll("img")].flatMap((img) => {
    const alt = (img.getAttribute("alt") || "").trim();
    const src = img.getAttribute("src") || "";
    if (!alt) return [`an image without alt text: ${src.slice(0, 80)}`];
    if (fileName.test(alt) || alt === src || src.endsWith(alt))
      return [`an image whose alt text is a file name: ${alt.slice(0, 80)}`];
    return [];
  });
  return {violations, images};
}
"""

#: Runs in the page: typeset formulas that give assistive technology nothing to read
#: (no hidden MathML from MathJax's assistive-mml extension).
MATH = r"""
() => [...document.querySelectorAll("mjx-container")]
  .filter((m) => !m.querySelector("mjx-assistive-mml math"))
  .map((m) => (m.textContent || "").slice(0, 40))
"""


def check(page, name: str = "", *, exclude=()) -> dict:
    """Run the accessibility checks in ``page`` (loaded, its maths typeset), the page
    ``name`` of the book (see :func:`runs_axe`).

    Returns ``{"axe": [...], "images": [...], "math": [...], "axe_ran": bool}``: one line
    per problem. ``exclude`` lists CSS selectors axe leaves out.
    """
    axe_ran = runs_axe(name)
    if axe_ran and not page.evaluate("() => typeof axe !== 'undefined'"):
        if not getattr(page, "_serves_axe", False):
            page.route(f"**{AXE_PATH}", lambda route: route.fulfill(
                path=str(AXE), headers={"Cache-Control": "max-age=86400"}))
            page._serves_axe = True
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
        axe_source()  # a clear error when node_modules/axe-core is missing
        page.add_script_tag(url=origin + AXE_PATH)
    found = page.evaluate(CHECK, [WCAG_AA if axe_ran else [], [[s] for s in exclude]])
    return {"axe": found["violations"], "images": found["images"], "axe_ran": axe_ran,
            "math": [f"a formula without MathML for assistive technology: {t!r}"
                     for t in page.evaluate(MATH)]}


#: Runs in the page: the element with the keyboard focus, whether it is visible, and
#: whether the focus shows (it looks different without it); its name and role come from
#: the browser's accessibility tree (:func:`tab_walk`).
FOCUSED = r"""
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  // the element and its children: a theme may draw a control, and its focus ring, on a
  // child (the sidebar's <summary> is an empty box around its chevron)
  const parts = [el, ...el.children];
  const looks = () => parts.map((part) => {
    const style = getComputedStyle(part);
    return ["outlineStyle", "outlineWidth", "outlineColor", "boxShadow", "borderTopColor",
            "borderBottomColor", "backgroundColor", "color", "textDecorationLine"]
      .map((key) => style[key]).join("|");
  }).join(";");
  // a focus indicator: the element looks different with the focus than without it
  const focused = looks();
  el.blur();
  const ring = looks() !== focused;
  el.focus();
  const shown = (part) => {
    const box = part.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(part).visibility !== "hidden";
  };
  return {tag: el.tagName.toLowerCase(), html: el.outerHTML.slice(0, 120), ring: ring,
          visible: parts.some(shown)};
}
"""


def tab_walk(page, presses: int) -> list[dict]:
    """Press Tab ``presses`` times from the top of ``page``; for each element that got the
    focus: its tag, HTML, whether it is visible and shows a focus ring, and its role and
    accessible name as the browser gives them to a screen reader (Chrome's accessibility
    tree, through the DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Accessibility.enable")
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); "
                  "window.scrollTo(0, 0); }")
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        handle = cdp.send("Runtime.evaluate", {"expression": "document.activeElement"})
        tree = cdp.send("Accessibility.getPartialAXTree",
                        {"objectId": handle["result"]["objectId"], "fetchRelatives": False})
        node = tree["nodes"][0] if tree["nodes"] else {}
        focused["role"] = node.get("role", {}).get("value", "")
        focused["name"] = " ".join(str(node.get("name", {}).get("value", "")).split())
        seen.append(focused)
    cdp.detach()
    return seen


def widget_page(views, title: str) -> str:
    """An HTML page drawing the widgets ``views`` as Jupyter's widget manager draws them,
    from the built book's offline copies (``_static/requirejs``, ``_static/html-manager``):
    a snapshot whose controls move but do not recompute (no kernel)."""
    import json

    from ipywidgets.embed import embed_data

    data = embed_data(views=views)
    state = json.dumps(data["manager_state"]).replace("</", "<\\/")
    shown = "".join(f'<script type="application/vnd.jupyter.widget-view+json">'
                    f'{json.dumps(view)}</script>' for view in data["view_specs"])
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            '<script src="_static/requirejs/require.js"></script>'
            '<script src="_static/html-manager/embed-amd.js"></script>'
            f'<script type="application/vnd.jupyter.widget-state+json">{state}</script>'
            f'</head><body><main><h1>{title}</h1>{shown}</main></body></html>')
