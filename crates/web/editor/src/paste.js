// What arrives on the clipboard from Google Docs, Word (desktop and web),
// LibreOffice and web pages, reduced to what an article keeps: headings,
// bold, italic, links, lists, quotes and tables. Styles, fonts, colours,
// classes, spans, the programs' ids and comments go; bold and italic
// written as styles (Docs, Word web) become <strong> and <em> first, Word
// desktop's paragraph "lists" become real lists, Word web's role="heading"
// paragraphs become headings, and links lose their tracking parameters.
//
// Written here rather than taken from a package: the sanitisers on npm
// (DOMPurify and the like) decide what is safe, not what a newsroom wants
// kept from each office suite, and the editor's schema then drops whatever
// it has no node for.

const TRACKING = /^(utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|_hsenc|_hsmi|mkt_tok|yclid|ocid)$/i;
const DROP = new Set(["STYLE", "SCRIPT", "META", "LINK", "TITLE", "XML", "IMG", "PICTURE", "SVG", "VIDEO", "AUDIO", "IFRAME", "OBJECT", "EMBED", "COLGROUP", "COL", "BUTTON", "INPUT", "SELECT", "TEXTAREA", "FORM", "NOSCRIPT", "TEMPLATE"]);
const BLOCKISH = /^(DIV|SECTION|ARTICLE|HEADER|FOOTER|MAIN|ASIDE|FIGURE|FIGCAPTION|DD|DT|ADDRESS|CENTER)$/;
const BLOCK_CHILD = "p, h1, h2, h3, h4, h5, h6, ul, ol, li, table, blockquote, pre, hr, div";
const KEEP = new Set(["P", "BR", "H1", "H2", "H3", "H4", "H5", "H6", "STRONG", "B", "EM", "I", "A", "UL", "OL", "LI", "BLOCKQUOTE", "TABLE", "THEAD", "TBODY", "TFOOT", "TR", "TD", "TH", "HR", "S", "DEL", "CODE", "PRE"]);

/** A link without its tracking parameters (or the address a Google
 * redirect points to); null when it is not a web, mail or site link. */
export function cleanUrl(href) {
  let url;
  try {
    url = new URL(href, "https://relative.invalid");
  } catch (_) {
    return null;
  }
  if (url.hostname === "www.google.com" && url.pathname === "/url" && url.searchParams.get("q")) {
    return cleanUrl(url.searchParams.get("q"));
  }
  if (!["http:", "https:", "mailto:"].includes(url.protocol)) {
    return null;
  }
  const names = [...url.searchParams.keys()];
  names.forEach((name) => {
    if (TRACKING.test(name)) {
      url.searchParams.delete(name);
    }
  });
  let out = url.href;
  if (url.hostname === "relative.invalid") {
    out = out.slice("https://relative.invalid".length);
  }
  if (!url.search && out.endsWith("?")) {
    out = out.slice(0, -1);
  }
  return out;
}

/** The clipboard's HTML, cleaned for the editor to parse. */
export function cleanPastedHtml(html) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const body = doc.body;
  wordLists(doc);
  wordWebHeadings(doc);
  // Word's "Quote" and "Intense Quote" paragraph styles are quotes.
  body.querySelectorAll("p.MsoQuote, p.MsoIntenseQuote").forEach((p) => rename(p, "blockquote", doc));
  clean(body, doc);
  mergeLists(body);
  headerRows(body, doc);
  // A pasted page title is the article's title, not a second one.
  body.querySelectorAll("h1").forEach((h) => rename(h, "h2", doc));
  body.querySelectorAll("h5, h6").forEach((h) => rename(h, "h4", doc));
  return body.innerHTML;
}

function rename(element, tag, doc) {
  const next = doc.createElement(tag);
  while (element.firstChild) {
    next.appendChild(element.firstChild);
  }
  element.replaceWith(next);
  return next;
}

function unwrap(element) {
  const parent = element.parentNode;
  while (element.firstChild) {
    parent.insertBefore(element.firstChild, element);
  }
  parent.removeChild(element);
}

function styleOf(element) {
  return (element.getAttribute && element.getAttribute("style")) || "";
}

/** Bold and italic written as a style: Docs' spans, Word web's runs. */
function styledMarks(element, doc) {
  const style = styleOf(element).toLowerCase();
  const weight = /font-weight\s*:\s*([a-z0-9]+)/.exec(style);
  const italic = /font-style\s*:\s*italic/.test(style);
  const bold = weight && /^(bold|bolder|[6-9]00)$/.test(weight[1]);
  const wrappers = [];
  if (bold && !["B", "STRONG", "H1", "H2", "H3", "H4", "H5", "H6", "TH"].includes(element.tagName)) {
    wrappers.push("strong");
  }
  if (italic && !["I", "EM"].includes(element.tagName)) {
    wrappers.push("em");
  }
  wrappers.forEach((tag) => {
    const wrap = doc.createElement(tag);
    while (element.firstChild) {
      wrap.appendChild(element.firstChild);
    }
    element.appendChild(wrap);
  });
  // Docs wraps the whole paste in <b style="font-weight:normal">.
  if ((element.tagName === "B" || element.tagName === "STRONG") && weight && /^(normal|[1-4]00)$/.test(weight[1])) {
    return "unwrap";
  }
  return null;
}

function clean(root, doc) {
  const children = [...root.childNodes];
  for (const node of children) {
    if (node.nodeType === 8) {
      // Comments: Word's conditional blocks, Docs' markers, the newsroom's
      // own comments in a document.
      node.remove();
      continue;
    }
    if (node.nodeType !== 1) {
      continue;
    }
    const tag = node.tagName.toUpperCase();
    if (DROP.has(tag) || tag.includes(":") || dropped(node)) {
      node.remove();
      continue;
    }
    const verdict = styledMarks(node, doc);
    clean(node, doc);
    if (verdict === "unwrap" || !KEEP.has(tag)) {
      // Spans, fonts, divs, sections…: their content stays, they go. A
      // block wrapper around text alone becomes a paragraph, so two of
      // them do not run together.
      if (BLOCKISH.test(tag) && verdict !== "unwrap" && !node.querySelector(BLOCK_CHILD)) {
        const p = rename(node, "p", doc);
        for (const name of [...p.getAttributeNames()]) {
          p.removeAttribute(name);
        }
      } else {
        unwrap(node);
      }
      continue;
    }
    for (const name of [...node.getAttributeNames()]) {
      const keep = (tag === "A" && name === "href") || ((tag === "TD" || tag === "TH") && (name === "colspan" || name === "rowspan"));
      if (!keep) {
        node.removeAttribute(name);
      }
    }
    if (tag === "A") {
      const href = node.getAttribute("href");
      const url = href && !href.startsWith("#") ? cleanUrl(href) : null;
      if (url) {
        node.setAttribute("href", url);
      } else {
        unwrap(node);
      }
    }
  }
}

/** What a program adds that is not the text: Word's list markers and
 * comments (their anchors and the comment list), Word web's
 * end-of-paragraph marks. */
function dropped(node) {
  const style = styleOf(node);
  const cls = typeof node.className === "string" ? node.className : "";
  return (
    /mso-list\s*:\s*ignore/i.test(style) ||
    /mso-element\s*:\s*comment/i.test(style) ||
    /\b(MsoCommentReference|MsoCommentText|msocomanchor|msocomtxt|EOP)\b/.test(cls) ||
    /^_?msocom/.test(node.id || "")
  );
}

/** A Markdown table has a header row: a pasted table without one (Docs
 * and Word mark none) takes its first row as the header. */
function headerRows(root, doc) {
  root.querySelectorAll("table").forEach((table) => {
    if (table.querySelector("th")) {
      return;
    }
    const first = table.querySelector("tr");
    if (!first) {
      return;
    }
    [...first.children].forEach((cell) => {
      if (cell.tagName === "TD") {
        rename(cell, "th", doc);
      }
    });
  });
}

/** Word web puts each list item in a list of its own: lists of the same
 * kind that follow each other become one. */
function mergeLists(root) {
  root.querySelectorAll("ul + ul, ol + ol").forEach((list) => {
    const previous = list.previousElementSibling;
    if (!previous || previous.tagName !== list.tagName || !list.parentNode) {
      return;
    }
    // Only when nothing but white space stands between them.
    let between = previous.nextSibling;
    while (between && between !== list) {
      if (between.nodeType !== 3 || between.textContent.trim()) {
        return;
      }
      between = between.nextSibling;
    }
    while (list.firstChild) {
      previous.appendChild(list.firstChild);
    }
    list.remove();
  });
}

/** Word web writes headings as <p role="heading" aria-level="2">. */
function wordWebHeadings(doc) {
  doc.body.querySelectorAll('p[role="heading"][aria-level], div[role="heading"][aria-level]').forEach((p) => {
    const level = Math.min(6, Math.max(1, parseInt(p.getAttribute("aria-level"), 10) || 2));
    rename(p, "h" + level, doc);
  });
}

/** Word desktop writes a list as paragraphs styled `mso-list:l0 level1
 * lfo1`, each with its marker ("1.", "·") in a span Word marks as
 * `mso-list:Ignore`: they become <ol>/<ul> with nested levels. */
function wordLists(doc) {
  const items = [...doc.body.querySelectorAll("p")].filter((p) => /mso-list\s*:\s*l\d+\s+level\d+/i.test(styleOf(p)));
  const done = new Set();
  for (const first of items) {
    if (done.has(first)) {
      continue;
    }
    // A run of list paragraphs that follow each other.
    const run = [first];
    let next = first.nextElementSibling;
    while (next && items.includes(next)) {
      run.push(next);
      next = next.nextElementSibling;
    }
    run.forEach((p) => done.add(p));
    const stack = [];
    let placeholder = doc.createElement("div");
    first.before(placeholder);
    for (const p of run) {
      const level = parseInt(/level(\d+)/i.exec(styleOf(p))[1], 10);
      const marker = p.querySelector('[style*="mso-list"]');
      const markerText = marker ? marker.textContent.trim() : "";
      const ordered = /^[0-9a-zA-Z]{1,3}[.)]$/.test(markerText);
      while (stack.length > level) {
        stack.pop();
      }
      while (stack.length < level) {
        const list = doc.createElement(ordered ? "ol" : "ul");
        if (stack.length === 0) {
          placeholder.appendChild(list);
        } else {
          const parentList = stack[stack.length - 1];
          let li = parentList.lastElementChild;
          if (!li) {
            li = doc.createElement("li");
            parentList.appendChild(li);
          }
          li.appendChild(list);
        }
        stack.push(list);
      }
      const li = doc.createElement("li");
      if (marker) {
        marker.remove();
      }
      while (p.firstChild) {
        li.appendChild(p.firstChild);
      }
      stack[stack.length - 1].appendChild(li);
      p.remove();
    }
    placeholder.replaceWith(...placeholder.childNodes);
  }
}
