// Markdown in and out of the visual editor, byte for byte.
//
// The stored text is Markdown, written by people and by importers in many
// styles (`*` or `_`, `-` or `*` bullets, padded or tight tables). A
// serialiser writes one canonical style, so a plain parse-and-serialise
// would rewrite every article the first time it is opened. Instead the
// source is cut into its top-level blocks (marked's lexer, the one
// @tiptap/markdown parses with, keeps each block's raw text). Each block
// becomes one editor node and its raw text is remembered against the
// node's content: on the way out, a node whose content is unchanged gives
// back its raw text and the blank lines that followed it; only a block the
// writer changed is serialised anew.
//
// A block becomes an editable node only when the editor's schema holds all
// of it (its serialisation renders to the same HTML as the original and it
// uses nothing Kiosque reads differently, such as footnotes); anything else
// is a protected block carrying its source untouched (see blocks.js).

import { protectedBlock, classify } from "./blocks.js";

/** Parses `markdown` into a document and the memory needed to write it back.
 * `valid` tells whether the editor's schema takes a node's JSON. */
export function load(markdown, manager, valid) {
  const tokens = manager.instance.lexer(markdown);
  const memory = { lead: "", end: "", originals: new Map(), count: 0 };
  const content = [];
  const blocks = [];
  if (tokens.map((t) => t.raw).join("") !== markdown) {
    // Never expected from marked; if it happens, nothing is risked: the
    // whole text is one protected block.
    tokens.length = 0;
    tokens.push({ type: "unknown", raw: markdown });
  }
  for (const token of tokens) {
    const raw = token.raw;
    if (raw.trim() === "") {
      if (blocks.length) {
        blocks[blocks.length - 1].after += raw;
      } else {
        memory.lead += raw;
      }
      continue;
    }
    const src = raw.replace(/\s+$/, "");
    blocks.push({ token, src, after: raw.slice(src.length) });
  }
  // Reference-style links are defined anywhere in the text: each block is
  // read with every definition, so `[texte][ref]` stays a link.
  const defs = tokens.filter((t) => t.type === "def").map((t) => t.raw.trim()).join("\n");
  blocks.forEach((block, index) => {
    let node = nodeFor(block, manager, defs);
    if (!valid(node)) {
      node = protectedBlock(block.src, "markdown");
    }
    content.push(node);
    block.index = index;
  });
  memory.blocks = blocks;
  memory.end = blocks.length ? blocks[blocks.length - 1].after : memory.lead;
  if (!blocks.length) {
    memory.lead = "";
  }
  return { doc: { type: "doc", content: content.length ? content : [{ type: "paragraph" }] }, memory };
}

/** Records each loaded node's signature, once the editor holds the document
 * (its schema may have normalised what `load` built). */
export function remember(doc, memory) {
  memory.originals = new Map();
  if (!memory.blocks.length) {
    return;
  }
  doc.forEach((node, _offset, i) => {
    const block = memory.blocks[i];
    if (!block) {
      return;
    }
    const sig = signature(node);
    if (!memory.originals.has(sig)) {
      memory.originals.set(sig, []);
    }
    memory.originals.get(sig).push(block);
  });
}

/** The document as Markdown: unchanged blocks as they were written, changed
 * and new ones serialised. */
export function save(doc, memory, manager) {
  const used = new Set();
  const parts = [];
  let previous = null;
  let first = true;
  let lastOriginal = null;
  doc.forEach((node) => {
    if (node.type.name === "paragraph" && node.content.size === 0) {
      return;
    }
    const candidates = memory.originals.get(signature(node)) || [];
    let original =
      candidates.find((b) => !used.has(b.index) && previous && b.index === previous.index + 1) ||
      candidates.find((b) => !used.has(b.index)) ||
      null;
    if (original) {
      used.add(original.index);
    }
    const text = original ? original.src : serialiseNode(node, manager);
    if (!original && text.replace(/&nbsp;|\u00a0/g, "").trim() === "") {
      // An empty paragraph has no Markdown; blank lines separate blocks.
      return;
    }
    if (!first) {
      const next = original && previous && original.index === previous.index + 1;
      parts.push(next ? previous.after : "\n\n");
    } else {
      parts.push(memory.lead);
    }
    parts.push(text);
    first = false;
    previous = original;
    lastOriginal = original;
  });
  if (first) {
    return "";
  }
  const lastBlock = memory.blocks[memory.blocks.length - 1];
  parts.push(lastOriginal && lastOriginal === lastBlock ? lastBlock.after : memory.end);
  return parts.join("");
}

/** One node as Markdown, without the blank lines around it. */
export function serialiseNode(node, manager) {
  if (node.type.name === "kqBlock") {
    return node.attrs.md;
  }
  return manager.serialize({ type: "doc", content: [node.toJSON()] }).replace(/^\n+|\s+$/g, "");
}

function signature(node) {
  return JSON.stringify(node.toJSON());
}

/** The editor node for one block of source. */
function nodeFor(block, manager, defs) {
  const kind = classify(block.token, block.src);
  if (kind) {
    return protectedBlock(block.src, kind);
  }
  const withDefs = (text) => (defs ? text + "\n\n" + defs : text);
  const parsed = manager.parse(withDefs(block.src));
  const nodes = (parsed && parsed.content) || [];
  if (nodes.length !== 1) {
    return protectedBlock(block.src, "markdown");
  }
  const back = manager.serialize({ type: "doc", content: nodes }).replace(/^\n+|\s+$/g, "");
  if (back !== block.src && html(manager, withDefs(back)) !== html(manager, withDefs(block.src))) {
    return protectedBlock(block.src, "markdown");
  }
  return nodes[0];
}

function html(manager, markdown) {
  try {
    return manager.instance.parse(markdown, { async: false });
  } catch (_) {
    // Unrenderable: unequal to anything, so the block stays protected.
    return {};
  }
}
