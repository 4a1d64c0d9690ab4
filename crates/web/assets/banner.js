// The breaking-news banner is on every page; a screen reader announces it
// once per banner and visit: the first time, its text is put into an alert
// region (announced), and the banner's key remembered for the session.
(function () {
  "use strict";
  var banner = document.querySelector(".breaking[data-key]");
  if (!banner || !window.sessionStorage) { return; }
  var key = "kiosque-banner-" + banner.getAttribute("data-key");
  try {
    if (sessionStorage.getItem(key)) { return; }
    sessionStorage.setItem(key, "1");
  } catch (e) { return; }
  var live = banner.querySelector(".breaking-live");
  var text = banner.querySelector(".breaking-text");
  if (live && text) {
    setTimeout(function () { live.textContent = text.textContent; }, 300);
  }
})();
