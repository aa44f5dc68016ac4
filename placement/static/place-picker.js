// The place picker (templates/_place_picker.html): type part of a place's name or city, choose
// from the 20 best matches that /places/search returns. Keyboard: Down/Up move through the
// matches, Enter chooses, Escape closes them. Chosen places are hidden inputs in the form.
// Each picker element gets .placePicks() and .setPlacePicks(list) for the draft keeper.
(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text) { node.textContent = text; }
    return node;
  }

  function setUp(box) {
    var name = box.dataset.name;
    var multiple = box.dataset.multiple === "1";
    var input = box.querySelector("input[type=search]");
    var results = box.querySelector(".place-results");
    var chosenList = box.querySelector(".place-chosen");
    var status = box.querySelector("[role=status]");
    var timer = null;
    var asked = 0;

    function picks() {
      return Array.prototype.map.call(chosenList.querySelectorAll("li"), function (li) {
        return { key: li.querySelector("input").value, label: li.querySelector("span").textContent };
      });
    }
    function changed() {
      box.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function chip(choice) {
      var li = el("li", "place-chip");
      var hidden = el("input");
      hidden.type = "hidden";
      hidden.name = name;
      hidden.value = choice.key;
      var remove = el("button", "btn btn-link btn-sm", "Remove");
      remove.type = "button";
      remove.setAttribute("data-remove", "");
      remove.appendChild(el("span", "visually-hidden", " " + choice.label));
      li.appendChild(hidden);
      li.appendChild(el("span", null, choice.label));
      li.appendChild(remove);
      return li;
    }
    function add(choice) {
      var already = picks().some(function (p) { return p.key === choice.key; });
      if (!already) {
        if (!multiple) { chosenList.textContent = ""; }
        chosenList.appendChild(chip(choice));
        changed();
      }
      status.textContent = (already ? "Already chosen: " : "Chosen: ") + choice.label;
      close();
      input.value = "";
      input.focus();
    }
    function setPicks(list) {
      chosenList.textContent = "";
      (list || []).forEach(function (choice) { chosenList.appendChild(chip(choice)); });
    }
    function close() {
      results.hidden = true;
      results.textContent = "";
    }
    function show(list) {
      results.textContent = "";
      list.forEach(function (choice) {
        var li = el("li", "list-group-item p-0");
        var button = el("button", "list-group-item list-group-item-action border-0", choice.label);
        button.type = "button";
        button.addEventListener("click", function () { add(choice); });
        li.appendChild(button);
        results.appendChild(li);
      });
      results.hidden = list.length === 0;
      status.textContent = list.length === 0 ? "No place matches." :
        list.length + (list.length === 1 ? " place matches." : " places match; Down arrow to choose.");
    }
    function ask() {
      var text = input.value.trim();
      if (text.length < 2) { close(); status.textContent = ""; return; }
      var mine = ++asked;
      var url = box.dataset.url + "?q=" + encodeURIComponent(text) +
        (box.dataset.active === "1" ? "&active=1" : "");
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
          if (!response.ok || !json) { throw new Error("search unavailable"); }
          return response.json();
        })
        .then(function (list) { if (mine === asked) { show(list); } })
        .catch(function () {
          if (mine === asked) { close(); status.textContent = "Search is unavailable; sign in again and retry."; }
        });
    }
    function buttons() { return Array.prototype.slice.call(results.querySelectorAll("button")); }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 200);
    });
    input.addEventListener("keydown", function (event) {
      var list = buttons();
      if (event.key === "ArrowDown" && list.length) { event.preventDefault(); list[0].focus(); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter") {
        event.preventDefault(); // never submit the whole form from the search box
        if (list.length === 1) { list[0].click(); }
        else if (list.length) { list[0].focus(); }
      }
    });
    results.addEventListener("keydown", function (event) {
      var list = buttons();
      var at = list.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && at < list.length - 1) { event.preventDefault(); list[at + 1].focus(); }
      else if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? list[at - 1] : input).focus(); }
      else if (event.key === "Escape") { close(); input.focus(); }
    });
    chosenList.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove]");
      if (!button) { return; }
      var li = button.closest("li");
      status.textContent = "Removed: " + li.querySelector("span").textContent;
      li.remove();
      changed();
      input.focus();
    });
    box.placePicks = picks;
    box.setPlacePicks = setPicks;
  }

  Array.prototype.forEach.call(document.querySelectorAll(".place-picker"), setUp);
}());
