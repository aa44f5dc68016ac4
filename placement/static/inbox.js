// The inbox badge in the navigation bar (templates/base.html) stays current without a
// reload: every 15 s the page asks /inbox/unread for the count. The server does not count
// these polls as the person's activity, so an idle session still ends on time; once it has
// ended (401) or the answer is not the count (signed out elsewhere), the polling stops.
// A rise in the count is said once in the live region, for screen readers.
(function () {
  "use strict";
  var badge = document.getElementById("inbox-badge");
  if (!badge || !window.fetch) { return; }
  var label = document.getElementById("inbox-badge-label");
  var live = document.getElementById("inbox-live");
  var EVERY_MS = 15000;
  var shown = parseInt(badge.textContent, 10) || 0;
  var timer = null;

  function show(count) {
    badge.textContent = count ? String(count) : "";
    badge.hidden = !count;
    label.textContent = count ? ", " + count + " unread" : "";
    if (count > shown) {
      live.textContent = "You have " + count + " unread message" + (count === 1 ? "" : "s") +
        " in your inbox.";
    }
    shown = count;
  }

  function stop() {
    window.clearInterval(timer);
    timer = null;
  }

  function poll() {
    if (document.hidden) { return; }  // a tab in the background waits for its turn
    fetch(badge.dataset.poll, {credentials: "same-origin", redirect: "manual",
                               headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (response.status === 401 || response.status === 403 ||
            response.type === "opaqueredirect") { stop(); return null; }
        return response.ok ? response.json() : null;  // a server hiccup: try again later
      })
      .then(function (answer) {
        if (answer && typeof answer.unread === "number") { show(answer.unread); }
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  timer = window.setInterval(poll, EVERY_MS);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && timer !== null) { poll(); }
  });
})();
