// Blocks the visual mode shows but does not edit as text: photos (figures),
// galleries, embeds, "Lire aussi" links, and any Markdown the editor's
// schema cannot hold whole (raw HTML, footnotes, code, link definitions…).
// Each carries its Markdown source untouched; it can be moved, deleted or
// replaced, and edited in Markdown mode. Previews are built with DOM calls
// from parsed attributes only: nothing from the source is ever inserted as
// HTML, and only the site's own images (paths starting with "/") load.

import { Node } from "@tiptap/core";

/** "Lire aussi : [Titre](/chemin/)" as written by the toolbar (French or
 * English label), alone in its paragraph. */
export const READ_ALSO = /^\*\*(Lire aussi|À lire aussi|Read also|See also)[ \u00a0\u202f]?:\*\* \[([^\]\n]+)\]\(([^)\s]+)\)$/;
const LONE_URL = /^<?(https?:\/\/[^\s<>]+)>?$/;

/** The kind of protected block a source block is, or null when the editor
 * may hold it as ordinary nodes. */
export function classify(token, src) {
  switch (token.type) {
    case "code":
      return /^```+\s*gallery\b/.test(src) || /^~~~+\s*gallery\b/.test(src) ? "gallery" : "code";
    case "html":
      return /^<figure[\s>]/i.test(src) ? "figure" : "html";
    case "paragraph":
      if (LONE_URL.test(src)) {
        return "embed";
      }
      if (READ_ALSO.test(src)) {
        return "related";
      }
      break;
    case "def":
    case "unknown":
      return "markdown";
    default:
      break;
  }
  // Footnotes (references and definitions) mean something to Kiosque's
  // renderer that the editor's schema has no place for.
  if (src.includes("[^")) {
    return "markdown";
  }
  return null;
}

/** Puts a protected block where the writer is, followed by an empty
 * paragraph to go on writing in (an empty paragraph writes no Markdown).
 * A selected block is kept: the new one goes after it. */
export function insertBlock(editor, md, kind) {
  const content = [protectedBlock(md, kind), { type: "paragraph" }];
  const { selection } = editor.state;
  const chain = editor.chain().focus();
  (selection.node ? chain.insertContentAt(selection.to, content) : chain.insertContent(content)).run();
}

/** A protected block's node. */
export function protectedBlock(md, kind) {
  return { type: "kqBlock", attrs: { md, kind } };
}

export const KqBlock = Node.create({
  name: "kqBlock",
  group: "block",
  atom: true,
  selectable: true,
  draggable: true,
  addOptions() {
    return { labels: {} };
  },
  addAttributes() {
    return {
      md: { default: "" },
      kind: { default: "markdown" },
    };
  },
  parseHTML() {
    return [
      {
        tag: "div[data-kq-block]",
        getAttrs: (el) => ({ md: el.getAttribute("data-md") || "", kind: el.getAttribute("data-kind") || "markdown" }),
      },
    ];
  },
  renderHTML({ node }) {
    return ["div", { "data-kq-block": "", "data-kind": node.attrs.kind, "data-md": node.attrs.md }];
  },
  renderMarkdown(node) {
    return node.attrs.md;
  },
  addNodeView() {
    const labels = this.options.labels;
    return ({ node }) => {
      const dom = document.createElement("div");
      dom.className = "kq-block kq-" + node.attrs.kind;
      dom.setAttribute("data-kind", node.attrs.kind);
      dom.setAttribute("contenteditable", "false");
      preview(dom, node.attrs.kind, node.attrs.md, labels);
      return { dom, ignoreMutation: () => true };
    };
  },
});

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text) {
    e.textContent = text;
  }
  if (cls) {
    e.className = cls;
  }
  return e;
}

/** Only the site's own files are shown: no request leaves for elsewhere. */
function ownImage(src, alt) {
  if (!src || !src.startsWith("/") || src.startsWith("//")) {
    return null;
  }
  const img = document.createElement("img");
  img.src = src;
  img.alt = alt || "";
  img.loading = "lazy";
  return img;
}

function preview(dom, kind, md, labels) {
  const label = (key, fallback) => labels[key] || fallback;
  dom.appendChild(el("span", label("block_" + kind, kind), "kq-block-label"));
  if (kind === "figure") {
    const parsed = new DOMParser().parseFromString(md, "text/html");
    const img = parsed.querySelector("img");
    const figure = el("figure");
    const shown = img && ownImage(img.getAttribute("src"), img.getAttribute("alt"));
    if (shown) {
      figure.appendChild(shown);
    }
    const caption = parsed.querySelector("figcaption");
    if (caption) {
      figure.appendChild(el("figcaption", caption.textContent.trim()));
    }
    dom.appendChild(figure);
    return;
  }
  if (kind === "gallery") {
    const list = el("ul", "", "kq-gallery");
    md.split("\n").forEach((line) => {
      const m = /^!\[([^\]]*)\]\((\S+)(?:\s+"([^"]*)")?\)\s*$/.exec(line.trim());
      if (!m) {
        return;
      }
      const li = el("li");
      const img = ownImage(m[2], m[1]);
      if (img) {
        li.appendChild(img);
      }
      if (m[3]) {
        li.appendChild(el("span", m[3]));
      }
      list.appendChild(li);
    });
    dom.appendChild(list);
    return;
  }
  if (kind === "embed") {
    dom.appendChild(el("span", md.replace(/^<|>$/g, ""), "kq-url"));
    return;
  }
  if (kind === "related") {
    const m = READ_ALSO.exec(md);
    if (m) {
      dom.appendChild(el("span", m[2], "kq-related-title"));
      dom.appendChild(el("span", m[3], "kq-url"));
    }
    return;
  }
  dom.appendChild(el("pre", md));
  dom.appendChild(el("span", label("block_help", ""), "kq-block-help"));
}
