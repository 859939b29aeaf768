// Search result snippets (search page only; see book/_ext/course_html.py).
// Sphinx builds each snippet from the text of the page's main element, which here also
// holds the download buttons (".md", ".pdf") and the table of contents printed pages get,
// and it shows the maths as raw LaTeX ("\(t\)"). This version skips those parts and writes the maths
// without delimiters, with a few symbols spelled as characters.
(() => {
  if (typeof Search === "undefined") return;
  const SKIP = [".headerlink", "script", "style", "button", ".onlyprint", ".bd-header-article",
    ".header-article-items", ".bd-sidebar-secondary", ".prev-next-area",
    ".bd-footer-article", "footer", ".cell_output"];
  const SYMBOLS = {
    odot: "⊙", sigma: "σ", partial: "∂", sum: "Σ", prod: "Π", cdot: "·", top: "ᵀ",
    dots: "…", ldots: "…", cdots: "⋯", times: "×", le: "≤", leq: "≤", ge: "≥", geq: "≥",
    approx: "≈", to: "→", rightarrow: "→", infty: "∞", lVert: "‖", rVert: "‖",
    lambda: "λ", theta: "θ", alpha: "α", beta: "β", eta: "η", rho: "ρ", ast: "*",
    qquad: " ", quad: " ", left: "", right: "", big: "", Big: "", bigg: "", mid: "|",
  };
  const readableMath = (tex) => tex
    .replace(/^\s*(\\\(|\\\[|\$\$?)/, "").replace(/(\\\)|\\\]|\$\$?)\s*$/, "")
    .replace(/\\(begin|end)\{[^}]*\}/g, " ")
    .replace(/\\(operatorname|mathrm|text|mathbf|boldsymbol|mathcal)\{([^}]*)\}/g, "$2")
    .replace(/\\tilde\{?\\?([A-Za-z])\}?/g, "$1\u0303")
    .replace(/\\hat\{?\\?([A-Za-z])\}?/g, "$1\u0302")
    .replace(/\\([A-Za-z]+)/g, (_, name) => (name in SYMBOLS ? SYMBOLS[name] : name))
    .replace(/\\[,;:! ]/g, " ").replace(/\\\\/g, "; ")
    .replace(/[{}&]/g, "");

  Search.htmlToText = (htmlString, anchor) => {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    for (const query of SKIP) doc.querySelectorAll(query).forEach((el) => el.remove());
    doc.querySelectorAll(".math").forEach((el) => {
      el.textContent = ` ${readableMath(el.textContent)} `;
    });
    let root = null;
    if (anchor) {
      try { root = doc.querySelector(`[role="main"] ${anchor}`); } catch (e) { root = null; }
    }
    root = root || doc.querySelector('[role="main"]');
    return root ? root.textContent.replace(/\s+/g, " ") : "";
  };
})();
