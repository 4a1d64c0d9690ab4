// Kiosque's visual editor: a ProseMirror editing surface (TipTap 3) over
// the article's Markdown, which stays what is stored. Loaded by admin.js
// only when a writer picks the visual mode (or picked it before); the
// textarea stays the form's field in both modes, kept up to date, so
// saving, autosave and the preview work as they do without this file.

import { Editor } from "@tiptap/core";
import { TextSelection } from "@tiptap/pm/state";
import StarterKit from "@tiptap/starter-kit";
import { TableKit } from "@tiptap/extension-table";
import { MarkdownManager } from "@tiptap/markdown";

import { KqBlock, insertBlock } from "./blocks.js";
import { load, remember, save } from "./source.js";
import { cleanPastedHtml, cleanUrl } from "./paste.js";
import { toolbar } from "./toolbar.js";
import { figure } from "./markup.js";

function extensions(labels) {
  return [
    StarterKit.configure({
      // Kiosque's renderer draws code fences (and galleries) itself: they
      // stay protected blocks. Underline has no Markdown.
      codeBlock: false,
      underline: false,
      link: { openOnClick: false, autolink: false, linkOnPaste: true, HTMLAttributes: { rel: null, target: null } },
      heading: { levels: [1, 2, 3, 4, 5, 6] },
    }),
    TableKit.configure({ table: { resizable: false } }),
    KqBlock.configure({ labels }),
  ];
}

/** Turns the textarea's editor into one with a visual mode. `options`:
 * labels (the locale's `editor` strings), csrf, lang, urls {media, articles,
 * upload}, canUpload. The page's mode buttons call `show`. */
export function mount(textarea, options) {
  const labels = options.labels || {};
  const exts = extensions(labels);
  const manager = new MarkdownManager({ extensions: exts });
  const shell = document.createElement("div");
  shell.className = "visual-editor";
  shell.hidden = true;
  const bar = document.createElement("div");
  const surface = document.createElement("div");
  surface.className = "visual-surface";
  shell.appendChild(bar);
  shell.appendChild(surface);
  textarea.insertAdjacentElement("afterend", shell);
  let memory = null;
  let syncing = null;
  const editor = new Editor({
    element: surface,
    // The page's content policy refuses inline <style>: the editing
    // surface's few rules are in admin.css.
    injectCSS: false,
    extensions: exts,
    content: "",
    editorProps: {
      attributes: {
        class: "visual-body",
        role: "textbox",
        "aria-multiline": "true",
        "aria-label": labels.surface || "Article",
        lang: options.lang || "fr",
        spellcheck: "true",
      },
      transformPastedHTML: (html) => cleanPastedHtml(html),
      // Typing while a protected block is selected writes after it instead
      // of replacing it (deleting it stays a deliberate Delete).
      handleTextInput: (view, from, to, text) => {
        const sel = view.state.selection;
        if (!sel.node || sel.node.type.name !== "kqBlock") {
          return false;
        }
        const paragraph = view.state.schema.nodes.paragraph.create(null, view.state.schema.text(text));
        const tr = view.state.tr.insert(sel.to, paragraph);
        tr.setSelection(TextSelection.create(tr.doc, sel.to + 1 + text.length));
        view.dispatch(tr.scrollIntoView());
        return true;
      },
      handlePaste: (view, event) => pasteFiles(event),
      handleDrop: (view, event) => dropFiles(event),
    },
    onUpdate: () => {
      clearTimeout(syncing);
      syncing = setTimeout(sync, 250);
    },
  });

  /** The textarea gets the editor's Markdown; an "input" event tells
   * autosave and the preview, as typing there would. */
  function sync() {
    clearTimeout(syncing);
    if (shell.hidden || !memory) {
      return;
    }
    const markdown = save(editor.state.doc, memory, manager);
    if (markdown !== textarea.value) {
      textarea.value = markdown;
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function show(mode) {
    if (mode === "visual") {
      const { doc, memory: m } = load(textarea.value, manager, (json) => {
        try {
          editor.schema.nodeFromJSON(json).check();
          return true;
        } catch (_) {
          return false;
        }
      });
      memory = m;
      editor.commands.setContent(doc, { emitUpdate: false });
      remember(editor.state.doc, memory);
      textarea.hidden = true;
      shell.hidden = false;
    } else {
      sync();
      memory = null;
      shell.hidden = true;
      textarea.hidden = false;
    }
    if (textarea.form) {
      textarea.form.classList.toggle("visual-mode", mode === "visual");
    }
  }

  // Saving sends the textarea: it is brought up to date before the
  // browser checks and sends the form.
  if (textarea.form) {
    textarea.form.addEventListener("click", (e) => {
      if (e.target.closest("button[type=submit], button:not([type])")) {
        sync();
      }
    }, true);
    textarea.form.addEventListener("submit", sync, true);
  }

  /** Images pasted or dropped go to the media library through the upload
   * path every image takes (decoded, re-encoded, metadata stripped), then
   * into the text as figures. */
  function upload(files) {
    const images = [...files].filter((f) => f.type.startsWith("image/"));
    if (!images.length || !options.canUpload) {
      return false;
    }
    images.forEach((file) => {
      const data = new FormData();
      data.set("csrf", options.csrf);
      data.set("file", file, file.name || "image.png");
      fetch(options.urls.upload, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => r.json().then((j) => ({ ok: r.ok, body: j })))
        .then((res) => {
          if (!res.ok) {
            announce(res.body.message || labels.upload_failed || "");
            return;
          }
          insertBlock(editor, figure(res.body), "figure");
          announce(labels.upload_done || "");
        })
        .catch(() => announce(labels.upload_failed || ""));
    });
    return true;
  }
  function pasteFiles(event) {
    const data = event.clipboardData;
    if (!data || !data.files || !data.files.length) {
      return false;
    }
    // A copied picture from a page comes with its HTML; the file wins.
    if (upload(data.files)) {
      event.preventDefault();
      return true;
    }
    return false;
  }
  function dropFiles(event) {
    const data = event.dataTransfer;
    if (data && data.files && data.files.length && upload(data.files)) {
      event.preventDefault();
      return true;
    }
    return false;
  }

  const status = document.createElement("p");
  status.className = "visual-status";
  status.setAttribute("role", "status");
  shell.appendChild(status);
  function announce(text) {
    status.textContent = text;
  }

  toolbar(bar, editor, { labels, urls: options.urls, canUpload: options.canUpload, csrf: options.csrf, upload, announce, cleanUrl });

  const controller = {
    editor,
    show,
    markdown: () => (memory ? save(editor.state.doc, memory, manager) : textarea.value),
  };
  // The page's editor, for scripts that drive it (the browser tests).
  window.KiosqueEditor.active = controller;
  return controller;
}

window.KiosqueEditor = { mount };
