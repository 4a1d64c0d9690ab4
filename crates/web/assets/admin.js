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
