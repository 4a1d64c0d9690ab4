// Galleries and embeds, progressive enhancement only: without this file a
// gallery photo opens its largest copy and an embed is a link to the
// original.
(function () {
  "use strict";

  // Embeds: the provider's player is loaded only when the reader clicks.
  document.querySelectorAll(".embed-facade[data-player]").forEach(function (facade) {
    facade.addEventListener("click", function (event) {
      event.preventDefault();
      var frame = document.createElement("iframe");
      frame.src = facade.dataset.player;
      frame.title = facade.dataset.title;
      frame.setAttribute("sandbox", facade.dataset.sandbox);
      frame.setAttribute("allow", facade.dataset.allow);
      frame.setAttribute("allowfullscreen", "");
      frame.setAttribute("loading", "lazy");
      frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
      facade.replaceWith(frame);
      frame.focus();
    });
  });

  // Galleries: a modal dialog (the browser keeps focus inside and closes
  // it on Escape), arrows to move, focus back on the photo it opened from.
  if (typeof HTMLDialogElement !== "function") { return; }
  document.querySelectorAll(".gallery").forEach(function (gallery) {
    var links = Array.prototype.slice.call(gallery.querySelectorAll("a.gallery-photo"));
    if (!links.length) { return; }
    var dialog = document.createElement("dialog");
    dialog.className = "lightbox";
    dialog.setAttribute("aria-label", gallery.getAttribute("aria-label"));
    var figure = document.createElement("figure");
    var img = document.createElement("img");
    var caption = document.createElement("figcaption");
    var position = document.createElement("p");
    position.className = "lightbox-position";
    position.setAttribute("aria-live", "polite");
    figure.appendChild(img);
    figure.appendChild(caption);
    function button(cls, label, text) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = cls;
      b.setAttribute("aria-label", label);
      b.textContent = text;
      return b;
    }
    var close = button("lightbox-close", gallery.dataset.close, "×");
    var prev = button("lightbox-prev", gallery.dataset.previous, "‹");
    var next = button("lightbox-next", gallery.dataset.next, "›");
    dialog.appendChild(close);
    dialog.appendChild(figure);
    dialog.appendChild(position);
    dialog.appendChild(prev);
    dialog.appendChild(next);
    document.body.appendChild(dialog);
    var current = 0;
    var opener = null;
    function show(i) {
      current = (i + links.length) % links.length;
      var link = links[current];
      var thumb = link.querySelector("img");
      img.src = link.getAttribute("href");
      img.alt = thumb ? thumb.alt : "";
      img.width = Number(link.dataset.width);
      img.height = Number(link.dataset.height);
      var cap = link.parentNode.querySelector("figcaption");
      caption.textContent = cap ? cap.textContent : "";
      caption.hidden = !cap;
      position.textContent = gallery.dataset.position
        .replace("{n}", String(current + 1)).replace("{total}", String(links.length));
    }
    links.forEach(function (link, i) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        opener = link;
        show(i);
        dialog.showModal();
        close.focus();
      });
    });
    prev.addEventListener("click", function () { show(current - 1); });
    next.addEventListener("click", function () { show(current + 1); });
    close.addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "ArrowLeft") { show(current - 1); event.preventDefault(); }
      if (event.key === "ArrowRight") { show(current + 1); event.preventDefault(); }
    });
    dialog.addEventListener("close", function () {
      if (opener) { opener.focus(); }
    });
  });
})();
