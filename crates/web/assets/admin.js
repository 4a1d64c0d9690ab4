// Kiosque admin, progressive enhancement only: the editor works without
// this file. With it, the Markdown body gets a live preview rendered by the
// server (the same sanitiser as the published page), a moment after typing
// stops.
(function () {
  "use strict";
  var body = document.getElementById("body");
  var form = body && body.form;
  if (!form || !window.fetch) { return; }
  var csrf = form.querySelector("input[name=csrf]");
  var panel = document.createElement("section");
  panel.className = "live-preview";
  panel.setAttribute("aria-live", "polite");
  panel.setAttribute("aria-label", body.getAttribute("data-preview-label") || "Preview");
  // It scrolls when the text is long: reachable by keyboard too.
  panel.tabIndex = 0;
  var content = document.createElement("div");
  panel.appendChild(content);
  body.parentNode.insertAdjacentElement("afterend", panel);
  var timer = null;
  var last = null;
  function render() {
    if (body.value === last) { return; }
    last = body.value;
    var data = new URLSearchParams();
    data.set("csrf", csrf ? csrf.value : "");
    data.set("body", body.value);
    fetch("/admin/preview", { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { content.innerHTML = html; })
      .catch(function () {});
  }
  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(render, 400);
  });
  render();
})();

// The body's visual mode: the two mode buttons appear, and the visual
// editor's script (a large file, cached for good once fetched) is loaded
// only when a writer picks that mode or picked it last time. The textarea
// stays the field the form sends; the choice is kept with the account.
(function () {
  "use strict";
  var modes = document.querySelector("[data-editor-modes]");
  var body = document.getElementById("body");
  if (!modes || !body || !window.fetch || !window.Promise) { return; }
  var buttons = Array.prototype.slice.call(modes.querySelectorAll("button[data-mode]"));
  var status = document.querySelector(".editor-load-status");
  var csrf = body.form && body.form.querySelector("input[name=csrf]");
  var editor = null;
  var loading = null;
  modes.hidden = false;
  function load() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = modes.getAttribute("data-src");
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }
  function pressed(mode) {
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-mode") === mode)); });
  }
  function remember(mode) {
    var data = new URLSearchParams();
    data.set("csrf", csrf ? csrf.value : "");
    data.set("mode", mode);
    fetch("/admin/account/editor-mode", { method: "POST", body: data, credentials: "same-origin" }).catch(function () {});
  }
  function choose(mode, keep) {
    if (mode !== "visual") {
      if (editor) { editor.show("markdown"); }
      pressed("markdown");
      if (keep) { remember("markdown"); }
      return;
    }
    if (status) { status.textContent = modes.getAttribute("data-loading"); }
    load().then(function () {
      if (!editor) {
        editor = window.KiosqueEditor.mount(body, {
          labels: JSON.parse(modes.getAttribute("data-labels") || "{}"),
          csrf: csrf ? csrf.value : "",
          lang: modes.getAttribute("data-lang"),
          canUpload: modes.hasAttribute("data-can-upload"),
          urls: { media: "/admin/editor/media", articles: "/admin/editor/articles", upload: "/admin/media" }
        });
      }
      editor.show("visual");
      pressed("visual");
      if (status) { status.textContent = ""; }
      if (keep) { remember("visual"); }
    }).catch(function () {
      loading = null;
      if (status) { status.textContent = modes.getAttribute("data-failed"); }
    });
  }
  buttons.forEach(function (b) {
    b.addEventListener("click", function () { choose(b.getAttribute("data-mode"), true); });
  });
  if (modes.getAttribute("data-mode") === "visual") { choose("visual", false); }
})();

// Who else has the article open: a heartbeat every few seconds keeps this
// page counted and the list current; when someone takes the article over,
// the page says so at once and stops autosaving (the server refuses this
// page's saves anyway). Closing the page says goodbye.
(function () {
  "use strict";
  var section = document.querySelector("[data-presence]");
  var form = document.querySelector("form.editor");
  if (!section || !form || !window.fetch) { return; }
  var page = form.querySelector("input[name=desk_page]");
  var csrf = form.querySelector("input[name=csrf]");
  var list = section.querySelector(".presence-list");
  var taken = document.querySelector("[data-taken]");
  var url = section.getAttribute("data-presence");
  var every = (parseInt(section.getAttribute("data-heartbeat"), 10) || 10) * 1000;
  function data(extra) {
    var d = new URLSearchParams();
    d.set("csrf", csrf ? csrf.value : "");
    d.set("page", page ? page.value : "");
    if (extra) { d.set(extra, "1"); }
    return d;
  }
  function beat() {
    fetch(url, { method: "POST", body: data(), credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (seen) {
        if (!seen) { return; }
        list.textContent = "";
        seen.others.forEach(function (line) {
          var li = document.createElement("li");
          li.textContent = line;
          list.appendChild(li);
        });
        section.hidden = seen.others.length === 0;
        if (seen.taken_by && taken && taken.hidden) {
          taken.textContent = seen.message;
          taken.hidden = false;
          form.setAttribute("data-taken", "");
        }
      })
      .catch(function () {});
  }
  window.setInterval(function () { if (!document.hidden) { beat(); } }, every);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { beat(); } });
  window.addEventListener("pagehide", function () {
    if (navigator.sendBeacon) { navigator.sendBeacon(url, data("leave")); }
  });
})();

// Writing aids: the body's word count and reading time (in both modes: the
// visual editor keeps the textarea current), and the headline's length
// against what search engines and social sites show before cutting it.
(function () {
  "use strict";
  var body = document.getElementById("body");
  if (body && body.hasAttribute("data-words")) {
    var count = document.createElement("span");
    count.className = "word-count";
    body.parentNode.appendChild(count);
    var words = function () {
      // Words of the text, not of the Markdown around it: addresses,
      // tags and markers are left out.
      var text = body.value
        .replace(/```[\s\S]*?```/g, " ")
        .replace(/<[^>]*>/g, " ")
        .replace(/\]\([^)]*\)/g, "] ")
        .replace(/https?:\/\/\S+/g, " ");
      var n = (text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) || []).length;
      count.textContent = body.getAttribute("data-words")
        .replace("{words}", String(n))
        .replace("{minutes}", String(Math.max(1, Math.round(n / 230))));
    };
    body.addEventListener("input", words);
    words();
  }
  var hint = document.querySelector("[data-headline-hint]");
  var title = document.getElementById("title");
  if (hint && title) {
    var show = function () {
      var n = Array.from(title.value).length;
      var search = parseInt(hint.getAttribute("data-search"), 10);
      var social = parseInt(hint.getAttribute("data-social"), 10);
      hint.textContent = hint.getAttribute("data-headline-hint")
        .replace("{n}", String(n))
        .replace("{search}", String(search))
        .replace("{social}", String(social));
      hint.classList.toggle("over", n > search);
      hint.hidden = false;
    };
    title.addEventListener("input", show);
    show();
  }
})();

// Autosave of drafts: every few seconds after a change, the form is sent
// with the version it was opened at; a newer save elsewhere is never
// overwritten (the server answers 409 and the page says so).
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch) { return; }
  var status = form.querySelector(".autosave-status");
  var timer = null;
  var stopped = false;
  function save() {
    if (stopped || form.hasAttribute("data-taken")) { return; }
    var data = new URLSearchParams(new FormData(form));
    data.delete("status");
    fetch(form.getAttribute("data-autosave"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, code: r.status, body: j }; }); })
      .then(function (res) {
        if (res.ok && res.body.saved) {
          // Every form on the page (the photo's too) now builds on this save.
          document.querySelectorAll("input[name=version]").forEach(function (v) {
            v.value = res.body.version;
          });
        }
        if (res.code === 409) { stopped = true; }
        if (status && res.body.message) { status.textContent = res.body.message; }
      })
      .catch(function () {});
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(save, 3000);
  });
})();

// Image forms: drop a file on the form, or paste an image (a screenshot, a
// picture copied from another page), instead of going through the file
// picker. The file lands in the form's own file field; sending the form
// stays the newsroom's decision.
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input[type=file][data-chosen]");
  if (!inputs.length || !window.DataTransfer) { return; }
  function choose(input, files) {
    var image = null;
    for (var i = 0; i < files.length; i++) {
      if (files[i].type.indexOf("image/") === 0) { image = files[i]; break; }
    }
    if (!image) { return false; }
    var list = new DataTransfer();
    list.items.add(image);
    input.files = list.files;
    var status = input.parentNode.querySelector(".drop-status");
    if (status) { status.textContent = input.getAttribute("data-chosen").replace("{name}", image.name || "image"); }
    return true;
  }
  Array.prototype.forEach.call(inputs, function (input) {
    var form = input.form;
    var hint = document.createElement("span");
    hint.className = "help";
    hint.textContent = input.getAttribute("data-drop-hint") || "";
    var status = document.createElement("span");
    status.className = "drop-status";
    status.setAttribute("role", "status");
    input.insertAdjacentElement("afterend", status);
    input.insertAdjacentElement("afterend", hint);
    form.addEventListener("dragover", function (e) {
      if (e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types, "Files") >= 0) {
        e.preventDefault();
        form.classList.add("dropping");
      }
    });
    form.addEventListener("dragleave", function () { form.classList.remove("dropping"); });
    form.addEventListener("drop", function (e) {
      form.classList.remove("dropping");
      if (e.dataTransfer && choose(input, e.dataTransfer.files)) { e.preventDefault(); }
    });
  });
  // A paste goes to the image form being worked in, or to the page's only one.
  document.addEventListener("paste", function (e) {
    var files = e.clipboardData && e.clipboardData.files;
    if (!files || !files.length) { return; }
    var active = document.activeElement && document.activeElement.form;
    var target = null;
    Array.prototype.forEach.call(inputs, function (input) {
      if (input.form === active) { target = input; }
    });
    if (!target && inputs.length === 1) { target = inputs[0]; }
    if (target && choose(target, files)) { e.preventDefault(); }
  });
})();

// Drag to reorder, where buttons already do it without JavaScript: the
// menus' items, the front page's pins and blocks (each drop sends the
// item's own up or down button as many times as places it moved, then
// shows the saved order), and a gallery's photos (the drop reorders the
// form's rows and saves the gallery once).
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) { return; }
  function rows(list) {
    return Array.prototype.filter.call(list.children, function (li) { return li.tagName === "LI"; });
  }
  function sortable(list, dropped) {
    var dragged = null;
    rows(list).forEach(function (li) {
      li.setAttribute("draggable", "true");
      li.classList.add("draggable");
      li.addEventListener("dragstart", function (e) {
        e.stopPropagation();
        dragged = li;
        e.dataTransfer.effectAllowed = "move";
        e.dataTransfer.setData("text/plain", "");
        li.classList.add("dragging");
      });
      li.addEventListener("dragend", function () { li.classList.remove("dragging"); });
      li.addEventListener("dragover", function (e) {
        if (dragged && dragged !== li && dragged.parentNode === list) {
          e.preventDefault();
          e.stopPropagation();
        }
      });
      li.addEventListener("drop", function (e) {
        if (!dragged || dragged === li || dragged.parentNode !== list) { return; }
        e.preventDefault();
        e.stopPropagation();
        var all = rows(list);
        var from = all.indexOf(dragged);
        var to = all.indexOf(li);
        dragged = null;
        dropped(all[from], from, to);
      });
    });
  }
  // Menus and the front page: one form per row.
  document.querySelectorAll("ol.menu-rows, .menu-rows ol").forEach(function (list) {
    sortable(list, function (li, from, to) {
      var form = li.querySelector("form");
      var up = form && form.querySelector("button[value=up], button[value=block-up]");
      var down = form && form.querySelector("button[value=down], button[value=block-down]");
      var button = to < from ? up : down;
      if (!button) { return; }
      var steps = Math.abs(to - from);
      var chain = Promise.resolve();
      for (var i = 0; i < steps; i++) {
        chain = chain.then(function () {
          var data = new FormData(form);
          data.set("action", button.value);
          // (Not `form.action`: the buttons named "action" shadow it.)
          return fetch(form.getAttribute("action"), { method: "POST", body: new URLSearchParams(data), credentials: "same-origin" });
        });
      }
      chain.then(function () { window.location.reload(); });
    });
  });
  // A gallery: its rows are in one form, in the order sent.
  document.querySelectorAll("ol.gallery-rows").forEach(function (list) {
    sortable(list, function (li, from, to) {
      var all = rows(list);
      list.insertBefore(li, to < from ? all[to] : all[to].nextSibling);
      var form = list.closest("form");
      var save = form.querySelector("button[value=save]");
      if (save) { form.requestSubmit(save); }
    });
  });
  // Readers now: refreshed every ten seconds while the page is open
  // (without a script, reloading the page shows the same).
  var now = document.querySelector("[data-stats-now]");
  if (now) {
    var refresh = function () {
      if (document.hidden) { return; }
      fetch(now.getAttribute("data-stats-now"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (live) {
          if (!live) { return; }
          ["readers_5", "readers_30"].forEach(function (key) {
            var el = now.querySelector("[data-now=" + key + "]");
            if (el) { el.textContent = String(live[key]); }
          });
          var list = now.querySelector("[data-now=articles]");
          if (!list || !live.articles.length) { return; }
          var words = list.getAttribute("data-readers") || "{n}";
          list.textContent = "";
          live.articles.forEach(function (a) {
            var li = document.createElement("li");
            var link = document.createElement("a");
            link.href = a.link;
            link.textContent = a.title;
            li.appendChild(link);
            li.appendChild(document.createTextNode(" — " + words.replace("{n}", String(a.readers))));
            list.appendChild(li);
          });
        })
        .catch(function () {});
    };
    window.setInterval(refresh, 10000);
  }
})();
