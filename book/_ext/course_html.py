"""The book's HTML fixes, as a local Sphinx extension (``sphinx: local_extensions`` in _config.yml).

- **Each inline script once.** Sphinx 7.4 adds an extension's inline script (one added
  with ``app.add_js_file(None, body=...)`` after the builder started) to every page twice:
  once when it is added, and again from the registry before writing, as a different
  object (filename ``''`` instead of ``None``). sphinx-thebe's ``const THEBE_JS_URL = ...``
  then throws "Identifier 'THEBE_JS_URL' has already been declared" on every page.
  :func:`drop_duplicate_scripts` keeps the first copy of each script.
- **The widget manager only where a widget is drawn.** myst-nb embeds a notebook's widget
  state, with require.js and the 7 MB widget manager, whenever the notebook saved one,
  even when every widget output is removed from the page. :func:`widgets_only_where_drawn`
  drops all three from a page that shows no widget view.
- **Readable search results.** ``course-search.js`` (on the search page only) makes the
  result snippets skip the page's buttons and table of contents and show maths without
  its ``\\(``, ``\\)`` delimiters.
- **Text alternatives of figures.** A figure described by the helpers of
  ``rnn_course.book`` (``rnn_course/book/alt_text.py``) is shown with its words under
  ``"alt"`` in the output's metadata (under each image type); myst-nb 1.4 reads only
  ``width`` and ``height`` there, so :func:`alt_from_output_metadata` makes it read
  ``alt`` too (an ``:alt:`` option of ``glue:figure``, or a cell's
  ``mystnb: image: alt:``, still wins).
- **Named toggles.** The theme's sidebar opens and closes each chapter's list of sections
  with a ``<summary>`` holding only a chevron icon, which a screen reader announces as a
  nameless button; :func:`name_sidebar_toggles` gives each one words that are read but not
  shown ("Sections of 1. Sequential data and recurrence").
- **Bibliography roles.** docutils marks each entry of the bibliography with
  ``role="doc-biblioentry"``, a deprecated ARIA role, inside ``role="list"``, which then
  has no list items; :func:`list_items_in_bibliography` makes them ``role="listitem"``.
- **Source listings link back to their entry.** sphinx.ext.viewcode (7.4) keeps one module
  name per source module, the first one documented from it, and builds every ``[docs]``
  link of that module's listing as that name + ``.`` + the object's name; an object
  documented under another name (``rnn_course.gru_forward``, defined in
  ``rnn_course.layers.gru``) gets a link to an anchor that does not exist.
  :func:`record_api_anchors` records, for each object the API page documents, the anchor
  it really has; :func:`fix_source_listings` rewrites the links of every listing on disk
  when the build finishes.
- **Narrow screens, captions.** ``course.css`` lets wide equations scroll, stacks the
  maths-next-to-code tables below 720 px (``course.js`` labels each stacked cell with its
  column), scrolls code listings inside their box, breaks long names, and darkens figure
  captions. Tables whose body cells hold code get the class ``course-stack`` here
  (:func:`mark_code_tables`); a source listing's heading may break after each dot of its
  module's name (:func:`fix_source_listings`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from docutils import nodes

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _filename(script) -> str:
    """The file a page script loads ('' for an inline one); old-style scripts are strings."""
    return os.fspath(getattr(script, "filename", script) or "")


def _key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    return (_filename(script), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep the first of scripts that are the same file, or the same inline body."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def widgets_only_where_drawn(app, pagename, templatename, context, doctree) -> None:
    """Drop the widget state and the widget JavaScript from a page that draws no widget."""
    scripts = context.get("script_files")
    if not scripts or WIDGET_VIEW in context.get("body", ""):
        return
    widget_js = tuple(getattr(app.config, "nb_ipywidgets_js", None) or {})

    def is_widget_script(script) -> bool:
        attributes = getattr(script, "attributes", {}) or {}
        name = _filename(script)
        return attributes.get("type") == WIDGET_STATE or (bool(name) and name.endswith(widget_js))

    scripts[:] = [s for s in scripts if not is_widget_script(s)]


def search_page_script(app, pagename, templatename, context, doctree) -> None:
    if pagename == "search":
        app.add_js_file("course-search.js", defer="defer")


def mark_code_tables(app, doctree, docname) -> None:
    """Give the class ``course-stack`` to tables whose body cells hold code."""
    for table in doctree.findall(nodes.table):
        body = next(table.findall(nodes.tbody), None)
        if body is not None and next(body.findall(nodes.literal), None) is not None:
            table["classes"].append("course-stack")


def name_sidebar_toggles(app, pagename, templatename, context, doctree) -> None:
    """Wrap the theme's ``generate_toctree_html`` so that every icon-only ``<summary>`` of
    the sidebar gets visually hidden text naming the chapter it opens."""
    generate = context.get("generate_toctree_html")
    if generate is None or getattr(generate, "names_toggles", False):
        return

    def generate_with_names(kind, *args, **kwargs):
        soup = generate(kind, *args, **kwargs)
        if kind != "sidebar" or isinstance(soup, str):
            return soup
        for summary in soup.select("li > details > summary"):
            if summary.get_text(strip=True):
                continue  # a part's caption already names it
            link = summary.find_parent("li").find("a", recursive=False)
            title = link.get_text(" ", strip=True) if link else "this part"
            hidden = soup.new_tag("span", attrs={"class": "visually-hidden"})
            hidden.string = f"Sections of {title}"
            summary.append(hidden)
        return soup

    generate_with_names.names_toggles = True
    context["generate_toctree_html"] = generate_with_names


def list_items_in_bibliography(app, pagename, templatename, context, doctree) -> None:
    """``role="doc-biblioentry"`` (deprecated) becomes ``role="listitem"`` in the page body."""
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def alt_from_output_metadata() -> None:
    """Let myst-nb's images take their ``alt`` from the output's metadata (once per process)."""
    from myst_nb.core.render import NbElementRenderer

    render_image = NbElementRenderer.render_image
    if getattr(render_image, "reads_alt", False):
        return

    def render_image_with_alt(self, data):
        image_nodes = render_image(self, data)
        # the shown type's entry first; another type's when a formatter replaced that
        # entry with its own (matplotlib's retina PNG writes its width and height there)
        entries = [data.output_metadata.get(data.mime_type), *data.output_metadata.values()]
        alt = next((e["alt"] for e in entries if isinstance(e, dict) and e.get("alt")), None)
        for node in image_nodes:
            if alt and not node.get("alt"):
                node["alt"] = str(alt)
        return image_nodes

    render_image_with_alt.reads_alt = True
    NbElementRenderer.render_image = render_image_with_alt


def record_api_anchors(app, doctree) -> None:
    """For each Python object documented on the page being read: where viewcode finds its
    source (the module that defines it, its name there) -> (page, the anchor it has)."""
    from sphinx import addnodes
    from sphinx.ext.viewcode import _get_full_modname

    if "sphinx.ext.viewcode" not in app.extensions:
        return
    env = app.env
    anchors = env.__dict__.setdefault("course_api_anchors", {})
    for desc in doctree.findall(addnodes.desc):
        if desc.get("domain") != "py":
            continue
        for signature in desc.findall(addnodes.desc_signature):
            module, fullname = signature.get("module"), signature.get("fullname")
            if not module or not fullname or not signature["ids"]:
                continue
            source = module
            if app.config.viewcode_follow_imported_members:
                source = (app.emit_firstresult("viewcode-follow-imported", module, fullname)
                          or _get_full_modname(module, fullname))
            if source:
                anchors.setdefault((source, fullname, env.docname), signature["ids"][0])


def source_of(app, modname):
    """viewcode's ``viewcode-find-source``: a module's code and the places of its
    definitions, as viewcode would find them itself. Answering it makes viewcode write every
    listing at every build (a few seconds); by itself, it writes a listing again only when
    its module's file is newer than the listing, so that an object documented since (or a
    listing rewritten by :func:`fix_source_listings`) would keep a listing without its block."""
    from sphinx.pycode import ModuleAnalyzer

    try:
        analyzer = ModuleAnalyzer.for_module(modname)
        analyzer.find_tags()
    except Exception:  # noqa: BLE001 - viewcode then tries, fails and leaves the module out
        return None
    return analyzer.code, analyzer.tags


def find_sources_for_viewcode(app) -> None:
    """Once every extension is loaded: answer viewcode's ``viewcode-find-source``."""
    if "sphinx.ext.viewcode" in app.extensions:
        app.connect("viewcode-find-source", source_of)


def purge_api_anchors(app, env, docname) -> None:
    anchors = env.__dict__.get("course_api_anchors", {})
    for key in [key for key in anchors if key[2] == docname]:
        del anchors[key]


def merge_api_anchors(app, env, docnames, other) -> None:
    mine = env.__dict__.setdefault("course_api_anchors", {})
    for key, anchor in other.__dict__.get("course_api_anchors", {}).items():
        mine.setdefault(key, anchor)


#: A listing's heading: "Source code for" and the module's dotted name.
HEADING = re.compile(r"<h1>Source code for ([\w.]+)</h1>")
#: A definition's block in a viewcode listing, with its "[docs]" link.
BACKLINK = re.compile(r'(<div class="viewcode-block" id="([^"]+)">\s*'
                      r'<a class="viewcode-back" href="[^"#]*#)([^"]*)(")')


def fix_source_listings(app, exception) -> None:
    """Point every "[docs]" link of the source listings (``_modules/``) at the anchor its
    object really has on the page it links to (see the module docstring), and let each
    listing's heading break after the dots of the module's name on a narrow screen.

    The listings are rewritten on disk, when the build finishes: viewcode writes a listing
    again only when its module changed, and a listing kept from an earlier build is fixed
    too (each rewrite leaves a fixed listing as it is)."""
    modules = getattr(app.env, "_viewcode_modules", None)
    if exception is not None or not modules or app.builder.format != "html":
        return
    anchors = app.env.__dict__.get("course_api_anchors", {})
    for module, entry in modules.items():
        page = Path(app.outdir, "_modules", *module.split(".")).with_suffix(".html")
        if not entry or not page.is_file():
            continue
        used = entry[2]  # name in the module -> the page that documents it

        def anchor(match, module=module, used=used):
            name = match.group(2)
            real = anchors.get((module, name, used.get(name)))
            return match.group(1) + (real or match.group(3)) + match.group(4)

        html = page.read_text(encoding="utf-8")
        fixed = HEADING.sub(lambda m: "<h1>Source code for "
                            + m.group(1).replace(".", ".<wbr>") + "</h1>", html, count=1)
        fixed = BACKLINK.sub(anchor, fixed)
        if fixed != html:
            page.write_text(fixed, encoding="utf-8")


def setup(app):
    alt_from_output_metadata()
    app.add_css_file("course.css")
    app.add_js_file("course.js", defer="defer")
    app.connect("doctree-resolved", mark_code_tables)
    app.connect("doctree-read", record_api_anchors)
    app.connect("env-purge-doc", purge_api_anchors)
    app.connect("env-merge-info", merge_api_anchors)
    app.connect("build-finished", fix_source_listings)
    app.connect("builder-inited", find_sources_for_viewcode)
    app.connect("html-page-context", search_page_script)
    # after the theme has put its generate_toctree_html into the page's context
    app.connect("html-page-context", name_sidebar_toggles, priority=900)
    app.connect("html-page-context", list_items_in_bibliography)
    # after every extension has added its scripts to the page
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    app.connect("html-page-context", widgets_only_where_drawn, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
