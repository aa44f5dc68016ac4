// The request form: priority pre-fills the arrival window, and a draft of the form is kept
// in this tab (sessionStorage) so that a sign-in lost during a long call loses nothing.
//
// A draft belongs to one unfinished request, never to the next caller's. Each form gets a
// random draft id when it is first opened, carried in the page's address (?draft=...) and
// in the address the form posts to, so that the sign-in page sends the advocate back to
// the same request. The draft comes back only into the form with its own id, says so, and
// offers a one-click discard; a fresh "New request" is never filled from it (it only says
// that an unfinished request is kept, with a link back to it). The tab keeps one draft per
// account: it is dropped when the request is filed, when it is discarded, when another
// request is started, or DRAFT_MINUTES after its last change.
(function () {
  "use strict";
  var PREFIX = "sb-request-draft-";
  var DRAFT_MINUTES = 30;
  var ID_PATTERN = /^[0-9a-f]{24}$/;

  function clearDrafts() {
    for (var i = sessionStorage.length - 1; i >= 0; i--) {
      var key = sessionStorage.key(i);
      if (key && key.indexOf(PREFIX) === 0) { sessionStorage.removeItem(key); }
    }
  }
  var flag = document.getElementById("draft-flag");
  if (flag && flag.dataset.clearDraft === "yes") { clearDrafts(); return; }
  var form = document.getElementById("request-form");
  if (!form) { return; }
  var windows = JSON.parse(form.dataset.windows || "{}");
  var storageKey = form.dataset.draftKey;  // one per account
  var priority = form.elements.priority;
  var earliest = form.elements.earliest;
  var latest = form.elements.latest;
  var adults = form.elements.adults;
  var reminder = document.getElementById("minor-reminder");
  var restoredNotice = document.getElementById("draft-restored");
  var elsewhereNotice = document.getElementById("draft-elsewhere");
  var auto = form.elements.window_auto;
  var touched = { earliest: auto.value !== "1" && !!earliest.value,
                  latest: auto.value !== "1" && !!latest.value };
  var saving = true;

  function newDraftId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  function withDraft(address, id) {
    var url = new URL(address, window.location.href);
    if (id) { url.searchParams.set("draft", id); } else { url.searchParams.delete("draft"); }
    return url.pathname + url.search;
  }
  // This form's draft id: the one in the address (a reload, a return from the sign-in
  // page, a refused submission), else a new one written into the address.
  var draftId = new URL(window.location.href).searchParams.get("draft");
  if (!ID_PATTERN.test(draftId || "")) {
    draftId = newDraftId();
    history.replaceState(history.state, "", withDraft(window.location.href, draftId) +
                         window.location.hash);
  }
  form.action = withDraft(form.getAttribute("action") || window.location.href, draftId);

  function fillWindow() {
    var w = windows[priority.value];
    if (!w) { return; }
    if (!touched.earliest) { earliest.value = w[0]; }
    if (!touched.latest) { latest.value = w[1]; }
  }
  function showReminder() {
    reminder.hidden = String(adults.value) !== "0";
  }
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && el.type !== "submit" &&
        !el.closest(".place-picker");
    });
  }
  var pickers = Array.prototype.slice.call(form.querySelectorAll(".place-picker"));

  // The stored draft, if it is still fresh; an expired or unreadable one is dropped.
  function readDraft() {
    var raw = sessionStorage.getItem(storageKey);
    if (!raw) { return null; }
    var saved = null;
    try { saved = JSON.parse(raw); } catch (e) { saved = null; }
    var fresh = saved && typeof saved.id === "string" && typeof saved.savedAt === "number" &&
      saved.fields && Date.now() - saved.savedAt < DRAFT_MINUTES * 60 * 1000;
    if (!fresh) { sessionStorage.removeItem(storageKey); return null; }
    return saved;
  }
  function saveDraft() {
    if (!saving) { return; }
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "checkbox") { data[el.name] = el.checked; }
      else if (el.multiple) {
        data[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else { data[el.name] = el.value; }
    });
    pickers.forEach(function (box) {
      if (box.placePicks) { data["picker:" + box.dataset.name] = box.placePicks(); }
    });
    try {
      sessionStorage.setItem(storageKey, JSON.stringify(
        { id: draftId, savedAt: Date.now(), fields: data }));
    } catch (e) {
      return;  // storage full or switched off: the form itself still works
    }
    elsewhereNotice.hidden = true;  // another request's draft was just replaced
  }
  function restoreDraft(data) {
    fields().forEach(function (el) {
      if (!(el.name in data)) { return; }
      if (el.type === "checkbox") { el.checked = !!data[el.name]; }
      else if (el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) {
          o.selected = data[el.name].indexOf(o.value) !== -1;
        });
      } else { el.value = data[el.name]; }
    });
    pickers.forEach(function (box) {
      var key = "picker:" + box.dataset.name;
      if (box.setPlacePicks && key in data) { box.setPlacePicks(data[key]); }
    });
    touched.earliest = auto.value !== "1" && !!earliest.value;
    touched.latest = auto.value !== "1" && !!latest.value;
  }
  function showNotice(notice, saved) {
    var time = new Date(saved.savedAt).toLocaleTimeString([], { hour: "2-digit",
                                                                 minute: "2-digit" });
    notice.querySelector("[data-draft-time]").textContent = time;
    notice.hidden = false;
  }

  var saved = readDraft();
  if (form.dataset.fromServer === "yes") {
    saveDraft();  // the refused form, as the server sent it back, is the draft now
  } else if (saved && saved.id === draftId) {
    restoreDraft(saved.fields);
    showNotice(restoredNotice, saved);
  } else if (saved) {
    // Another request's draft: never filled in here, only pointed to.
    elsewhereNotice.querySelector("[data-draft-open]").href =
      withDraft(window.location.href, saved.id);
    showNotice(elsewhereNotice, saved);
  }
  restoredNotice.querySelector("[data-draft-discard]").addEventListener("click", function () {
    saving = false;
    sessionStorage.removeItem(storageKey);
    window.location.replace(withDraft(window.location.href, null));
  });
  elsewhereNotice.querySelector("[data-draft-discard]").addEventListener("click", function () {
    sessionStorage.removeItem(storageKey);
    elsewhereNotice.hidden = true;
    priority.focus();
  });

  earliest.addEventListener("input", function () { touched.earliest = true; auto.value = "0"; });
  latest.addEventListener("input", function () { touched.latest = true; auto.value = "0"; });
  priority.addEventListener("change", fillWindow);
  adults.addEventListener("input", showReminder);
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);
  fillWindow();
  showReminder();
}());
