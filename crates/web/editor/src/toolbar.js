// The visual mode's toolbar, its keyboard shortcuts and its dialogs
// (link, photo, gallery, embed, "Lire aussi"). Every label comes from the
// locale's `editor` strings; dialogs are native <dialog> elements, so
// focus, Escape and the screen reader's view are the browser's own.

import { insertBlock as insertInto } from "./blocks.js";
import { figure, gallery, readAlso, linkTarget } from "./markup.js";

const IS_MAC = /Mac|iPhone|iPad/.test(navigator.platform || "");
const MOD = IS_MAC ? "⌘" : "Ctrl";

/** [name, shortcut shown in the help, command, active test] */
function actions(editor) {
  const chain = () => editor.chain().focus();
  return [
    ["h2", MOD + "+Alt+2", () => chain().toggleHeading({ level: 2 }).run(), () => editor.isActive("heading", { level: 2 })],
    ["h3", MOD + "+Alt+3", () => chain().toggleHeading({ level: 3 }).run(), () => editor.isActive("heading", { level: 3 })],
    ["h4", MOD + "+Alt+4", () => chain().toggleHeading({ level: 4 }).run(), () => editor.isActive("heading", { level: 4 })],
    ["bold", MOD + "+B", () => chain().toggleBold().run(), () => editor.isActive("bold")],
    ["italic", MOD + "+I", () => chain().toggleItalic().run(), () => editor.isActive("italic")],
    ["link", MOD + "+K", null, () => editor.isActive("link")],
    ["quote", MOD + "+Shift+B", () => chain().toggleBlockquote().run(), () => editor.isActive("blockquote")],
    ["bullets", MOD + "+Shift+8", () => chain().toggleBulletList().run(), () => editor.isActive("bulletList")],
    ["numbers", MOD + "+Shift+7", () => chain().toggleOrderedList().run(), () => editor.isActive("orderedList")],
    ["rule", "", () => chain().setHorizontalRule().run(), null],
    ["photo", "", null, null],
    ["gallery", "", null, null],
    ["embed", "", null, null],
    ["related", "", null, null],
    ["help", "", null, null],
  ];
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => {
    if (v !== null && v !== undefined) {
      e.setAttribute(k, v);
    }
  });
  if (text) {
    e.textContent = text;
  }
  return e;
}

export function toolbar(bar, editor, ctx) {
  const { labels } = ctx;
  const L = (key) => labels[key] || key;
  bar.className = "visual-toolbar";
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", L("toolbar"));
  const dialogs = makeDialogs(editor, ctx);
  const toggles = [];
  const list = actions(editor);
  list.forEach(([name, keys, run, active]) => {
    if ((name === "photo" || name === "gallery") && !ctx.canUpload) {
      return;
    }
    const label = L("tool_" + name);
    const button = el("button", { type: "button", "data-tool": name, title: keys ? label + " (" + keys + ")" : label, "aria-keyshortcuts": keys ? keys.replace("Ctrl", "Control").replace("⌘", "Meta") : null }, label);
    if (active) {
      button.setAttribute("aria-pressed", "false");
      toggles.push([button, active]);
    }
    button.addEventListener("mousedown", (e) => e.preventDefault());
    button.addEventListener("click", () => (run ? run() : dialogs[name]()));
    bar.appendChild(button);
  });
  // Roving focus: one tab stop for the toolbar, arrows move within it.
  const buttons = () => [...bar.querySelectorAll("button")];
  buttons().forEach((b, i) => b.setAttribute("tabindex", i === 0 ? "0" : "-1"));
  bar.addEventListener("keydown", (e) => {
    const all = buttons();
    const i = all.indexOf(document.activeElement);
    if (i < 0) {
      return;
    }
    let j = null;
    if (e.key === "ArrowRight") j = (i + 1) % all.length;
    if (e.key === "ArrowLeft") j = (i - 1 + all.length) % all.length;
    if (e.key === "Home") j = 0;
    if (e.key === "End") j = all.length - 1;
    if (j !== null) {
      e.preventDefault();
      all[i].setAttribute("tabindex", "-1");
      all[j].setAttribute("tabindex", "0");
      all[j].focus();
    }
  });
  const refresh = () => toggles.forEach(([b, active]) => b.setAttribute("aria-pressed", String(!!active())));
  editor.on("selectionUpdate", refresh);
  editor.on("transaction", refresh);
  // Ctrl/⌘+K opens the link dialog (the other shortcuts are the editor's).
  editor.view.dom.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k") {
      e.preventDefault();
      dialogs.link();
    }
  });
}

function makeDialogs(editor, ctx) {
  const { labels } = ctx;
  const L = (key) => labels[key] || key;
  const host = document.body;

  /** A modal dialog with a form: fields, an error line, Cancel and OK. */
  function dialog(title, build, submit) {
    const d = el("dialog", { class: "editor-dialog", "aria-labelledby": "" });
    const id = "dlg-" + Math.random().toString(36).slice(2, 9);
    const h = el("h2", { id }, title);
    d.setAttribute("aria-labelledby", id);
    const form = el("form", { method: "dialog", novalidate: "" });
    const error = el("p", { class: "field-error", role: "alert" });
    const body = el("div", { class: "dialog-body" });
    const actions = el("p", { class: "row-actions" });
    const ok = el("button", { type: "submit", value: "ok" }, L("ok"));
    const cancel = el("button", { type: "button", class: "secondary" }, L("cancel"));
    cancel.addEventListener("click", () => d.close());
    actions.appendChild(ok);
    actions.appendChild(cancel);
    form.appendChild(h);
    form.appendChild(body);
    form.appendChild(error);
    form.appendChild(actions);
    d.appendChild(form);
    const api = build(body, d);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const problem = submit(api);
      if (problem) {
        error.textContent = problem;
        return;
      }
      d.close();
      editor.commands.focus();
    });
    d.addEventListener("close", () => d.remove());
    host.appendChild(d);
    d.showModal();
    return { dialog: d, api };
  }

  function field(body, name, label, value, type) {
    const id = "f-" + name + "-" + Math.random().toString(36).slice(2, 7);
    const p = el("p");
    p.appendChild(el("label", { for: id }, label));
    const input = el("input", { id, name, type: type || "text", value: value || "" });
    p.appendChild(input);
    body.appendChild(p);
    return input;
  }

  const insertBlock = (md, kind) => insertInto(editor, md, kind);

  /** A search over a JSON list (the library, the site's articles), its
   * results as buttons or checkboxes. */
  function search(body, url, render) {
    const input = field(body, "q", L("search"), "", "search");
    const results = el("ul", { class: "pick-list", "aria-live": "polite" });
    body.appendChild(results);
    let timer = null;
    let shown = null;
    const run = () => {
      const query = input.value;
      fetch(url + "?q=" + encodeURIComponent(query), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : []))
        .then((items) => {
          // The same answer again leaves the list (and what was picked in
          // it) as it is.
          const json = JSON.stringify(items);
          results.setAttribute("data-query", query);
          if (json === shown) {
            return;
          }
          shown = json;
          results.textContent = "";
          if (!items.length) {
            results.appendChild(el("li", {}, L("no_results")));
          }
          items.forEach((item) => results.appendChild(render(item)));
        })
        .catch(() => {});
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(run, 250);
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        run();
      }
    });
    run();
    return input;
  }

  function thumb(item) {
    const img = el("img", { src: item.thumb, alt: "", width: "80", height: String(Math.round((80 * item.height) / Math.max(1, item.width))) });
    return img;
  }

  return {
    link() {
      const current = editor.getAttributes("link").href || "";
      dialog(L("tool_link"), (body) => ({ url: field(body, "url", L("link_url"), current, "text") }), ({ url }) => {
        const value = url.value.trim();
        if (!value) {
          editor.chain().focus().extendMarkRange("link").unsetLink().run();
          return null;
        }
        const target = linkTarget(value);
        if (!target) {
          return L("link_invalid");
        }
        const clean = ctx.cleanUrl(target) || target;
        if (editor.state.selection.empty && !editor.isActive("link")) {
          editor.chain().focus().insertContent({ type: "text", text: clean, marks: [{ type: "link", attrs: { href: clean } }] }).run();
        } else {
          editor.chain().focus().extendMarkRange("link").setLink({ href: clean }).run();
        }
        return null;
      });
    },
    embed() {
      dialog(L("tool_embed"), (body) => ({ url: field(body, "url", L("embed_url"), "", "url") }), ({ url }) => {
        let parsed = null;
        try {
          parsed = new URL(url.value.trim());
        } catch (_) {
          parsed = null;
        }
        if (!parsed || !["http:", "https:"].includes(parsed.protocol)) {
          return L("link_invalid");
        }
        insertBlock(parsed.href, "embed");
        return null;
      });
    },
    related() {
      dialog(L("tool_related"), (body) => {
        const state = { chosen: null };
        search(body, ctx.urls.articles, (item) => {
          const li = el("li");
          const b = el("button", { type: "button", class: "pick", "aria-pressed": "false" }, item.title);
          b.addEventListener("click", () => {
            body.querySelectorAll("button.pick").forEach((x) => x.setAttribute("aria-pressed", "false"));
            b.setAttribute("aria-pressed", "true");
            state.chosen = item;
          });
          li.appendChild(b);
          return li;
        });
        return state;
      }, (state) => {
        if (!state.chosen) {
          return L("pick_one");
        }
        insertBlock(readAlso(L("read_also"), state.chosen.title, state.chosen.path), "related");
        return null;
      });
    },
    photo() {
      dialog(L("tool_photo"), (body) => {
        const state = { chosen: null };
        search(body, ctx.urls.media, (item) => {
          const li = el("li");
          const b = el("button", { type: "button", class: "pick", "aria-pressed": "false", "aria-label": item.name });
          b.appendChild(thumb(item));
          b.addEventListener("click", () => {
            body.querySelectorAll("button.pick").forEach((x) => x.setAttribute("aria-pressed", "false"));
            b.setAttribute("aria-pressed", "true");
            state.chosen = item;
            state.alt.value = item.alt || "";
            state.caption.value = item.caption || "";
            state.credit.value = item.credit || "";
          });
          li.appendChild(b);
          return li;
        });
        state.alt = field(body, "alt", L("photo_alt"), "");
        state.caption = field(body, "caption", L("photo_caption"), "");
        state.credit = field(body, "credit", L("photo_credit"), "");
        return state;
      }, (state) => {
        if (!state.chosen) {
          return L("pick_one");
        }
        const photo = Object.assign({}, state.chosen, { alt: state.alt.value, caption: state.caption.value, credit: state.credit.value });
        insertBlock(figure(photo), "figure");
        return null;
      });
    },
    gallery() {
      dialog(L("tool_gallery"), (body) => {
        const state = { chosen: [] };
        search(body, ctx.urls.media, (item) => {
          const li = el("li");
          const id = "g-" + item.file.replace(/[^a-z0-9]/gi, "");
          const box = el("input", { type: "checkbox", id, value: item.file });
          const label = el("label", { for: id });
          label.appendChild(thumb(item));
          label.appendChild(el("span", {}, item.name));
          box.checked = state.chosen.some((c) => c.file === item.file);
          box.addEventListener("change", () => {
            state.chosen = state.chosen.filter((c) => c.file !== item.file);
            if (box.checked) {
              state.chosen.push(item);
            }
          });
          li.appendChild(box);
          li.appendChild(label);
          return li;
        });
        return state;
      }, (state) => {
        if (!state.chosen.length) {
          return L("pick_one");
        }
        insertBlock(gallery(state.chosen), "gallery");
        return null;
      });
    },
    help() {
      dialog(L("tool_help"), (body) => {
        const table = el("table", { class: "shortcuts" });
        const head = el("tr");
        head.appendChild(el("th", { scope: "col" }, L("help_action")));
        head.appendChild(el("th", { scope: "col" }, L("help_keys")));
        table.appendChild(head);
        actions(editor).filter(([, keys]) => keys).forEach(([name, keys]) => {
          const tr = el("tr");
          tr.appendChild(el("td", {}, L("tool_" + name)));
          tr.appendChild(el("td", {}, keys));
          table.appendChild(tr);
        });
        [["undo", MOD + "+Z"], ["redo", MOD + "+Shift+Z"]].forEach(([name, keys]) => {
          const tr = el("tr");
          tr.appendChild(el("td", {}, L("help_" + name)));
          tr.appendChild(el("td", {}, keys));
          table.appendChild(tr);
        });
        body.appendChild(table);
        body.appendChild(el("p", { class: "help" }, L("help_markdown")));
        return {};
      }, () => null);
    },
  };
}
