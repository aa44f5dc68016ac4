// The placement card on a request's page (templates/bookings/_card.html) stays current
// without a reload: every 5 s the page asks for the card as it is now and swaps it in when
// it changed. The container is a polite live region, so a screen reader hears the news.
// The server does not count these polls as the person's activity (an idle session still
// ends on time); once it has ended (401) or the answer is not a card, polling stops.
(function () {
  "use strict";
  var box = document.getElementById("placement-card");
  if (!box || !window.fetch) { return; }
  var EVERY_MS = 5000;
  var version = box.dataset.version;
  var timer = null;

  function stop() {
    window.clearInterval(timer);
    timer = null;
  }

  function poll() {
    if (document.hidden) { return; }  // a tab in the background waits for its turn
    fetch(box.dataset.poll, {credentials: "same-origin", redirect: "manual",
                             headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (response.status === 401 || response.status === 403 || response.status === 404 ||
            response.type === "opaqueredirect") { stop(); return null; }
        return response.ok ? response.json() : null;  // a server hiccup: try again later
      })
      .then(function (card) {
        if (!card || typeof card.html !== "string") { return; }
        if (card.version !== version) {
          box.innerHTML = card.html;  // our own server-rendered, escaped template
          box.dataset.updated = String(Date.now());
        }
        var status = document.getElementById("request-status");
        if (status && typeof card.status === "string") { status.textContent = card.status; }
        version = card.version;
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }

  poll();
  timer = window.setInterval(poll, EVERY_MS);
}());
