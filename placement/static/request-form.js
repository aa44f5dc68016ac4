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
//
// The party is a list of people (age band and gender, never a name): "Add a person" and
// "Remove" change the rows in the page (without this script the server shows six rows and
// "Add a person" sends the form back with one more). As people change, the needs that
// follow from the party are shown (placement/requests/party.py derived_needs decides on
// filing; derivedCodes below restates it for the page, and a browser test checks they
// agree), and the minors reminder shows while the party has no adult.
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
  // The party's rows.
  var rowsBox = document.getElementById("people");
  var addButton = document.getElementById("add-person");
  var fullNote = document.getElementById("people-full");
  var maxPeople = Number(rowsBox.dataset.max);
  var ROW_NAME = /people-\d+-/g;
  var template = cleanCopy(rowsBox.querySelector("[data-person]"));

  function cleanCopy(row) {
    var copy = row.cloneNode(true);
    copy.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
    copy.querySelectorAll("option").forEach(function (el) { el.removeAttribute("selected"); });
    copy.querySelectorAll("select").forEach(function (el) {
      el.classList.remove("is-invalid");
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
      el.value = "";
    });
    return copy;
  }
  function rows() { return Array.prototype.slice.call(rowsBox.querySelectorAll("[data-person]")); }
  function rowIndex(row) {
    return Number(/people-(\d+)-/.exec(row.querySelector("select").name)[1]);
  }
  function addRow(index) {
    var row = template.cloneNode(true);
    row.querySelectorAll("[id], [name], [for]").forEach(function (el) {
      ["id", "name", "for"].forEach(function (attr) {
        if (el.hasAttribute(attr)) {
          el.setAttribute(attr, el.getAttribute(attr).replace(ROW_NAME, "people-" + index + "-"));
        }
      });
    });
    rowsBox.appendChild(row);
    row.querySelectorAll("select").forEach(function (el) { el.value = ""; });
    return row;
  }
  function nextIndex() {
    return rows().reduce(function (most, row) { return Math.max(most, rowIndex(row)); }, -1) + 1;
  }
  function renumber() {
    var all = rows();
    all.forEach(function (row, i) {
      row.querySelectorAll("[data-person-number]").forEach(function (el) {
        el.textContent = String(i + 1);
      });
      row.querySelector("[data-remove-person]").hidden = all.length === 1;
    });
    addButton.disabled = all.length >= maxPeople;
    fullNote.hidden = all.length < maxPeople;
  }
  // The rows a draft had (people-N-...), in place of those on the page.
  function rowsFor(data) {
    var indices = Object.keys(data).map(function (name) {
      var found = /^people-(\d+)-age_band$/.exec(name);
      return found ? Number(found[1]) : null;
    }).filter(function (index) { return index !== null; }).sort(function (a, b) { return a - b; });
    if (!indices.length) { return; }
    rows().forEach(function (row) { row.remove(); });
    indices.forEach(addRow);
    renumber();
  }
  function partyPeople() {
    return rows().map(function (row) {
      var selects = row.querySelectorAll("select");
      return { band: selects[0].value, gender: selects[1].value };
    }).filter(function (person) { return person.band !== ""; });
  }
  function derivedCodes(people) {
    var adults = people.filter(function (p) { return p.band.indexOf("adult") === 0; });
    var codes = {};
    if (adults.length && people.some(function (p) { return p.band === "teen" && p.gender === "male"; })) {
      codes["teen-boys"] = true;
    }
    var bands = adults.map(function (p) { return p.band; });
    if (bands.indexOf("adult-18") !== -1) { codes["hotel-age:18"] = true; }
    else if (bands.indexOf("adult-21") !== -1) { codes["hotel-age:21"] = true; }
    var genders = {};
    adults.forEach(function (p) { if (p.gender && p.gender !== "unknown") { genders[p.gender] = true; } });
    if (Object.keys(genders).length > 1) { codes["mixed-adults"] = true; }
    return codes;
  }
  function showParty() {
    var people = partyPeople();
    reminder.hidden = people.some(function (p) { return p.band.indexOf("adult") === 0; });
    var follows = derivedCodes(people);
    var any = false;
    form.querySelectorAll("[data-derived]").forEach(function (item) {
      var yes = !!follows[item.dataset.derived];
      var badge = item.querySelector("[data-derived-status]");
      item.dataset.follows = yes ? "yes" : "no";
      item.hidden = !yes;
      badge.textContent = yes ? "Added" : "Does not apply";
      badge.className = "badge " + (yes ? "text-bg-success" : "text-bg-light border");
      any = any || yes;
    });
    var none = form.querySelector("[data-derived-none]");
    if (none) { none.hidden = any; }
  }
  // Rows left without an age are no one: the page keeps only the people given (or one
  // empty row), and "Add a person" adds rows as they are needed.
  rows().forEach(function (row, i) {
    if (i > 0 && row.querySelector("select").value === "") { row.remove(); }
  });
  addButton.type = "button";
  addButton.addEventListener("click", function () {
    if (rows().length >= maxPeople) { return; }
    var row = addRow(nextIndex());
    renumber();
    row.querySelector("select").focus();
    saveDraft();
  });
  rowsBox.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-person]");
    if (!button) { return; }
    var row = button.closest("[data-person]");
    var all = rows();
    var next = all[all.indexOf(row) + 1] || all[all.indexOf(row) - 1];
    row.remove();
    renumber();
    showParty();
    saveDraft();
    (next ? next.querySelector("select") : addButton).focus();
  });
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && el.type !== "submit" &&
        !el.closest(".place-picker");
    });
  }
  // Checkboxes of one list (the needs) share a name: each is kept by its value too.
  function keyOf(el) { return el.type === "checkbox" ? el.name + "=" + el.value : el.name; }
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
      if (el.type === "checkbox") { data[keyOf(el)] = el.checked; }
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
    rowsFor(data);
    fields().forEach(function (el) {
      if (!(keyOf(el) in data)) { return; }
      if (el.type === "checkbox") { el.checked = !!data[keyOf(el)]; }
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
  rowsBox.addEventListener("change", showParty);
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);
  fillWindow();
  renumber();
  showParty();
}());
