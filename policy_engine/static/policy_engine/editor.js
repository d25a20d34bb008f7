// The policy draft editor: live validation (the form is posted with validate_only=1 and each
// problem is shown beside its field), rows moved by dragging or by the arrow buttons and removed
// without a round trip, and IBANs checked as they are typed. Without this script every button
// still works: the server moves, adds or removes the row and shows the form again.
(function () {
  "use strict";
  var form = document.getElementById("policy-editor");
  if (!form) { return; }
  var status = document.getElementById("live-status");
  var timer = null;

  function para(box, text) { var p = document.createElement("p"); p.textContent = text; box.appendChild(p); }

  // "channel-3-note_ar" -> the fourth row of the channels list, its [data-err=note_ar] box.
  function boxFor(key) {
    var direct = form.querySelector('[data-errors-for="' + key + '"]') || document.querySelector('[data-errors-for="' + key + '"]');
    if (direct) { return direct; }
    var m = /^([a-z]+)-(\d+)(?:-(\w+))?$/.exec(key);
    if (!m) { return null; }
    var list = form.querySelector('[data-list="' + m[1] + '"]');
    if (!list) { return null; }
    var row = list.querySelectorAll(":scope > [data-row]")[parseInt(m[2], 10)];
    if (!row) { return null; }
    return row.querySelector('[data-err="' + (m[3] || "row") + '"]') || row.querySelector('[data-err="row"]');
  }

  function show(errors) {
    form.querySelectorAll("[data-errors-for], [data-err]").forEach(function (box) {
      if (!box.hasAttribute("data-iban-note")) { box.textContent = ""; }
    });
    var general = document.getElementById("form-errors");
    general.textContent = "";
    Object.keys(errors).forEach(function (key) {
      var box = boxFor(key) || general;
      errors[key].forEach(function (message) { para(box, message); });
    });
    var bad = Object.keys(errors).length > 0;
    status.textContent = bad ? status.getAttribute("data-bad") : status.getAttribute("data-good");
    status.className = bad ? "errorlist" : "muted";
  }

  function validate() {
    var data = new FormData(form);
    data.append("validate_only", "1");
    fetch(form.getAttribute("data-validate-url"), {
      method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
    })
      .then(function (r) { return r.json(); })
      .then(function (body) { show(body.errors || {}); })
      .catch(function () { /* offline: the server checks again on save */ });
  }
  function later() { clearTimeout(timer); timer = setTimeout(validate, 450); }

  // --- rows: move and remove on the page -------------------------------------------------------
  function rowOf(el) { return el.closest("[data-row]"); }
  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-move], button[data-remove]");
    if (!button) { return; }
    var row = rowOf(button);
    if (!row) { return; }
    event.preventDefault();
    if (button.hasAttribute("data-remove")) {
      var focusTo = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      if (focusTo) { var b = focusTo.querySelector("button"); if (b) { b.focus(); } }
    } else if (button.getAttribute("data-move") === "up" && row.previousElementSibling) {
      row.parentNode.insertBefore(row, row.previousElementSibling);
      button.focus();
    } else if (button.getAttribute("data-move") === "down" && row.nextElementSibling) {
      row.parentNode.insertBefore(row.nextElementSibling, row);
      button.focus();
    }
    later();
  });

  // Dragging a row by its handle (mouse or touch through pointer events).
  var dragged = null;
  form.querySelectorAll("[data-list] > [data-row]").forEach(function (row) {
    var handle = row.querySelector(".drag-handle");
    if (!handle) { return; }
    handle.setAttribute("draggable", "true");
    handle.addEventListener("dragstart", function (e) {
      dragged = row; row.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", "");
      if (e.dataTransfer.setDragImage) { e.dataTransfer.setDragImage(row, 10, 10); }
    });
    handle.addEventListener("dragend", function () { if (dragged) { dragged.classList.remove("dragging"); } dragged = null; later(); });
    row.addEventListener("dragover", function (e) {
      if (!dragged || dragged === row || dragged.parentNode !== row.parentNode) { return; }
      e.preventDefault();
      var rect = row.getBoundingClientRect();
      var after = e.clientY > rect.top + rect.height / 2;
      row.parentNode.insertBefore(dragged, after ? row.nextElementSibling : row);
    });
  });

  // --- IBAN: checked as it is typed (ISO 13616 mod 97; Saudi IBANs are SA + 22 digits) -----------
  var messages = {
    ar: { length: "رقم الآيبان السعودي: SA ثم 22 رقمًا.", check: "رقم التحقق في الآيبان غير صحيح: راجع الأرقام.", ok: "الآيبان صحيح." },
    en: { length: "A Saudi IBAN is SA followed by 22 digits.", check: "The IBAN's check digits do not match: check the numbers.", ok: "The IBAN is valid." }
  };
  var lang = (document.documentElement.getAttribute("lang") || "ar").slice(0, 2) === "en" ? "en" : "ar";
  function mod97(iban) {
    var moved = iban.slice(4) + iban.slice(0, 4), rest = 0;
    for (var i = 0; i < moved.length; i++) {
      var c = moved.charAt(i);
      var n = /[A-Z]/.test(c) ? String(c.charCodeAt(0) - 55) : c;
      for (var j = 0; j < n.length; j++) { rest = (rest * 10 + parseInt(n.charAt(j), 10)) % 97; }
    }
    return rest;
  }
  function checkIban(input, finished) {
    var value = input.value.replace(/\s+/g, "").toUpperCase().replace(/[\u0660-\u0669]/g, function (d) { return String(d.charCodeAt(0) - 0x0660); });
    var box = rowOf(input).querySelector('[data-err="iban"]');
    box.textContent = "";
    input.removeAttribute("aria-invalid");
    if (!value) { return; }
    var problem = null;
    if (!/^(S|SA\d{0,22})$/.test(value) || (finished && value.length < 24)) { problem = "length"; }
    else if (value.length === 24 && mod97(value) !== 1) { problem = "check"; }
    if (problem) { para(box, messages[lang][problem]); input.setAttribute("aria-invalid", "true"); }
    else if (value.length === 24) { var ok = document.createElement("p"); ok.className = "ok"; ok.textContent = messages[lang].ok; box.appendChild(ok); }
  }
  form.addEventListener("input", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-iban")) { checkIban(event.target, false); return; }
    later();
  });
  form.addEventListener("change", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-iban")) { checkIban(event.target, true); }
    later();
  });
})();
