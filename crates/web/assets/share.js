// The share block without JavaScript is plain links. With it: the phone's
// own share sheet (Web Share API) where there is one, and "copy link"
// copying the address instead of following it.
(function () {
  "use strict";
  var block = document.querySelector(".share");
  if (!block) return;
  var status = block.querySelector(".share-status");
  var native = block.querySelector(".share-native");
  if (native && navigator.share) {
    native.hidden = false;
    native.querySelector("button").addEventListener("click", function (event) {
      var button = event.currentTarget;
      navigator.share({ title: button.dataset.title, url: button.dataset.url })
        .catch(function () {});
    });
  }
  var copy = block.querySelector(".share-copy");
  if (copy && navigator.clipboard && window.isSecureContext) {
    copy.addEventListener("click", function (event) {
      event.preventDefault();
      navigator.clipboard.writeText(copy.href).then(function () {
        status.textContent = copy.dataset.copied;
      }, function () {
        window.location.href = copy.href;
      });
    });
  }
})();
