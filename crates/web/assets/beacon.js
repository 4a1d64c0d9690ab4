// Kiosque's audience beacon, for sites a CDN or the static export serves:
// one request per page view to Kiosque itself. No cookie is set and
// nothing is kept in the browser. A page prerendered ahead of a click is
// counted when it is shown, not before.
(function () {
  var script = document.currentScript;
  var url = script && script.getAttribute("data-hit");
  if (!url) { return; }
  var send = function () {
    var query = "p=" + encodeURIComponent(location.pathname + location.search) +
      "&r=" + encodeURIComponent(document.referrer || "") + "&js=1";
    fetch(url + "?" + query, { credentials: "same-origin", keepalive: true }).catch(function () {});
  };
  if (document.prerendering) {
    document.addEventListener("prerenderingchange", send, { once: true });
  } else {
    send();
  }
})();
