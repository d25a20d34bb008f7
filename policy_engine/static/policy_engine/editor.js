// The policy draft editor, in the page: rows added from the blank rows the server drew
// (<template data-template=...>), moved by dragging or by the arrow buttons, removed; what a kind of
// answer needs shown under it; conditions offered from the questions on the page; every problem
// shown beside its field as the admin types (the form is posted with validate_only=1) and before a
// save leaves the page, so a refused save loses nothing; IBANs checked as they are typed.
// Without this script every button still works: the server adds, moves or removes the row and
// shows the form again.
(function () {
  "use strict";
  var form = document.getElementById("policy-editor");
  if (!form) { return; }
  form.classList.add("js");
  var status = document.getElementById("live-status");
  var lang = (document.documentElement.getAttribute("lang") || "ar").slice(0, 2) === "en" ? "en" : "ar";
  var timer = null;
  var serial = 0;
  // The list a button's value names -> the data-list of its rows and the posted code of a row.
  var LISTS = {
    detailed_goals: { rows: "goal" },
    channels: { rows: "channel", code: "ch_code" },
    staff_tools: { rows: "tool", code: "tl_code" },
    procedure: { rows: "step", code: "st_code" },
    contacts: { rows: "contact" },
    bank_accounts: { rows: "account" },
    intake: { rows: "intake" },
    checklists: { rows: "check" }
  };
  var CUSTOM = "custom:";

  function para(box, text) { var p = document.createElement("p"); p.textContent = text; box.appendChild(p); }
  function rowOf(el) { return el.closest("[data-row]"); }
  function rowsOf(list) { return Array.prototype.slice.call(form.querySelectorAll('[data-list="' + list + '"] > [data-row]')); }

  // --- errors beside their fields ----------------------------------------------------------------
  // "channel-3-note_ar" -> the fourth channel row, its [data-err=note_ar] box;
  // "intake-2-col-1-label_en" -> the third question's second column, its [data-err=label_en] box.
  function boxFor(key) {
    var direct = form.querySelector('[data-errors-for="' + key + '"]') || document.querySelector('[data-errors-for="' + key + '"]');
    if (direct) { return direct; }
    var m = /^([a-z]+)-(\d+)(?:-(.+))?$/.exec(key);
    if (!m) { return null; }
    var row = rowsOf(m[1])[parseInt(m[2], 10)];
    if (!row) { return null; }
    var rest = m[3] || "row";
    var col = /^col-(\d+)(?:-(\w+))?$/.exec(rest);
    if (col) {
      var column = row.querySelectorAll('[data-list="column"] > [data-row]')[parseInt(col[1], 10)];
      if (column) { return column.querySelector('[data-err="' + (col[2] || "row") + '"]') || column.querySelector('[data-err="row"]'); }
      rest = "columns";
    }
    var boxes = Array.prototype.filter.call(row.querySelectorAll('[data-err="' + rest + '"]'), function (b) { return rowOf(b) === row; });
    return boxes[0] || row.querySelector('[data-err="row"]');
  }

  function show(errors) {
    form.querySelectorAll("[data-errors-for], [data-err]").forEach(function (box) { box.textContent = ""; });
    var general = document.getElementById("form-errors");
    general.textContent = "";
    var shown = 0;
    Object.keys(errors).forEach(function (key) {
      var box = boxFor(key) || general;
      if (box.closest("[data-fresh]")) { return; }  // a row just added: not before it is filled in
      errors[key].forEach(function (message) { para(box, message); shown += 1; });
      var field = box.closest(".field");
      var input = field && field.querySelector("input:not([type=hidden]), select, textarea");
      if (input) { input.setAttribute("aria-invalid", "true"); }
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (input) {
      var field = input.closest(".field");
      var box = field && field.querySelector(".errorlist");
      if (!input.hasAttribute("data-iban") && (!box || !box.textContent)) { input.removeAttribute("aria-invalid"); }
    });
    status.textContent = shown ? status.getAttribute("data-bad") : status.getAttribute("data-good");
    status.className = shown ? "errorlist" : "muted";
    return shown;
  }

  function check() {
    var data = new FormData(form);
    data.append("validate_only", "1");
    return fetch(form.getAttribute("data-validate-url"), {
      method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    });
  }
  function validate() { check().then(function (body) { show(body.errors || {}); }).catch(function () { /* the server checks again on save */ }); }
  function later() { clearTimeout(timer); timer = setTimeout(validate, 450); }

  // A save is checked first: if anything needs attention the page stays as it is, everything typed
  // (and every file chosen) still in place, and the first problem gets the focus.
  var submitting = false;
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (submitting || !button || button.name === "edit_action") { return; }
    event.preventDefault();
    form.querySelectorAll("[data-fresh]").forEach(function (row) { row.removeAttribute("data-fresh"); });
    function send() {
      submitting = true;
      var carry = document.createElement("input");
      carry.type = "hidden"; carry.name = button.name; carry.value = button.value;
      form.appendChild(carry);
      form.submit();
    }
    check().then(function (body) {
      var errors = body.errors || {};
      show(errors);
      if (!Object.keys(errors).length) { send(); return; }
      var first = Array.prototype.find.call(form.parentNode.querySelectorAll(".errorlist p"), function (p) { return p.offsetParent !== null; });
      if (first) {
        var field = first.closest(".field") || rowOf(first) || first;
        var input = field.querySelector("input:not([type=hidden]), select, textarea");
        field.scrollIntoView({ block: "center" });
        if (input) { input.focus({ preventScroll: true }); }
      }
    }).catch(send);
  });

  // --- what each kind of answer needs ---------------------------------------------------------------
  function showKind(select) {
    var row = rowOf(select);
    row.querySelectorAll("[data-for-kind]").forEach(function (part) {
      if (rowOf(part) === row) { part.classList.toggle("off", part.getAttribute("data-for-kind") !== select.value); }
    });
  }

  // --- the steps a checklist item can belong to: the steps on the page ----------------------------
  function refreshSteps() {
    var steps = rowsOf("step").map(function (row) {
      return [row.querySelector("input[name=st_code]").value, row.querySelector(".row-name").textContent];
    });
    form.querySelectorAll("select[data-step-choice]").forEach(function (select) {
      var current = select.value;
      select.textContent = "";
      var found = false;
      steps.forEach(function (s) { select.add(new Option(s[1], s[0], false, s[0] === current)); found = found || s[0] === current; });
      if (!found && current) { select.add(new Option("—", current, false, true)); }  // the server names the problem
    });
  }

  // --- conditions: the choice and yes/no questions on the page, and their answers ----------------
  function questionName(row) {
    var own = row.querySelector("input[name=if_label_" + lang + "]").value.trim();
    return own || row.querySelector("input[name=if_label_" + (lang === "ar" ? "en" : "ar") + "]").value.trim() || "…";
  }
  function answersOf(row, box) {
    var type = row.querySelector("select[name=if_type]").value;
    if (type === "yes_no") { return [["yes", box.getAttribute("data-yes")], ["no", box.getAttribute("data-no")]]; }
    if (type !== "choice") { return []; }
    return row.querySelector("textarea[name=if_options]").value.split(/\r?\n/).filter(function (l) { return l.trim(); }).map(function (line) {
      var parts = line.split("|"), ar = parts[0].trim(), en = (parts.slice(1).join("|") || "").trim();
      return [ar, lang === "en" ? (en || ar) : ar];
    });
  }
  function refreshCondition(block) {
    var select = block.querySelector("select[data-when-field]");
    var box = block.querySelector("[data-when-answers]");
    var own = block.getAttribute("data-prefix") === "if" ? rowOf(block).getAttribute("data-key") : null;
    var current = select.value;
    var questions = rowsOf("intake").filter(function (row) {
      var type = row.querySelector("select[name=if_type]").value;
      return (type === "choice" || type === "yes_no") && row.getAttribute("data-key") !== own;
    });
    Array.prototype.slice.call(select.options).forEach(function (o) { if (o.value && !o.hasAttribute("data-keep")) { o.remove(); } });
    var found = !current;
    questions.forEach(function (row) {
      var key = row.getAttribute("data-key");
      select.add(new Option("«" + questionName(row) + "»", key, false, key === current));
      found = found || key === current;
    });
    if (!found && !select.querySelector("option[data-keep]")) {
      var gone = new Option(select.getAttribute("data-gone"), current, false, true);
      gone.setAttribute("data-keep", "");
      select.add(gone);
    }
    select.value = current;
    var target = questions.filter(function (row) { return row.getAttribute("data-key") === select.value; })[0];
    var ticked = Array.prototype.map.call(box.querySelectorAll("input:checked"), function (i) { return i.value; });
    var choices = target ? answersOf(target, box) : [];
    ticked.forEach(function (v) { if (!choices.some(function (c) { return c[0] === v; })) { choices.push([v, v]); } });
    box.textContent = "";
    choices.forEach(function (c) {
      var label = document.createElement("label"), input = document.createElement("input");
      label.className = "check";
      input.type = "checkbox"; input.name = box.getAttribute("data-name"); input.value = c[0];
      input.checked = ticked.indexOf(c[0]) !== -1;
      label.appendChild(input); label.appendChild(document.createTextNode(" " + c[1]));
      box.appendChild(label);
    });
    box.parentNode.classList.toggle("off", !select.value);
  }
  function refreshConditions() { form.querySelectorAll("[data-condition]").forEach(refreshCondition); }

  // --- rows: add, move and remove on the page -----------------------------------------------------
  var dragged = null;
  function wireDrag(row) {
    var handle = Array.prototype.filter.call(row.querySelectorAll(".drag-handle"), function (h) { return rowOf(h) === row; })[0];
    if (!handle || handle.hasAttribute("draggable")) { return; }
    handle.setAttribute("draggable", "true");
    handle.addEventListener("dragstart", function (e) {
      e.stopPropagation();
      dragged = row; row.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", "");
      if (e.dataTransfer.setDragImage) { e.dataTransfer.setDragImage(row, 10, 10); }
    });
    handle.addEventListener("dragend", function () { if (dragged) { dragged.classList.remove("dragging"); } dragged = null; changed(row); });
    row.addEventListener("dragover", function (e) {
      if (!dragged || dragged === row || dragged.parentNode !== row.parentNode) { return; }
      e.preventDefault();
      e.stopPropagation();
      var rect = row.getBoundingClientRect();
      var after = e.clientY > rect.top + rect.height / 2;
      row.parentNode.insertBefore(dragged, after ? row.nextElementSibling : row);
    });
  }

  function changed(row) {
    var list = row && row.parentNode && row.parentNode.getAttribute ? row.parentNode.getAttribute("data-list") : null;
    if (list === "step") { refreshSteps(); }
    if (list === "intake") { refreshConditions(); }
    later();
  }

  function fromTemplate(template, replace) {
    var html = template.innerHTML;
    Object.keys(replace).forEach(function (k) { html = html.split(k).join(replace[k]); });
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  function settle(row, list) {
    row.setAttribute("data-fresh", "");
    list.appendChild(row);
    row.querySelectorAll("[data-row]").forEach(wireDrag);
    wireDrag(row);
    row.querySelectorAll("select[data-kind]").forEach(showKind);
    var visible = Array.prototype.filter.call(row.querySelectorAll("input:not([type=hidden]):not([type=checkbox]):not([type=file]), textarea, select"), function (el) { return el.offsetParent !== null; });
    var first = visible.filter(function (el) { return el.tagName !== "SELECT"; })[0] || visible[0];
    row.scrollIntoView({ block: "nearest" });
    if (first) { first.focus({ preventScroll: true }); }
  }

  function addRow(button, name) {
    var spec = LISTS[name];
    var section = button.closest("fieldset");
    var picker = section.querySelector('select[name="add_' + name + '"]');
    var choice = picker ? picker.value : "";
    if (name === "procedure" && !choice) { return; }
    var template = section.querySelector('template[data-template="' + name + '"]' + (picker ? '[data-code="' + choice + '"]' : ""));
    if (!template) { return; }
    serial += 1;
    var key = (name === "checklists" ? "c-new-" : "new-") + Date.now().toString(36) + serial;
    var row = fromTemplate(template, { "__KEY__": key });
    settle(row, section.querySelector('[data-list="' + spec.rows + '"]'));
    // A catalogue entry is used once: it leaves the choices until its row is removed.
    if (picker && spec.code && choice.indexOf(CUSTOM) !== 0) {
      picker.querySelector('option[value="' + choice + '"]').remove();
      if (!picker.options.length) { picker.closest(".add-row").hidden = true; }
    }
    if (name === "procedure") { refreshSteps(); }
    if (name === "checklists") { refreshSteps(); refreshCondition(row.querySelector("[data-condition]")); }
    if (name === "intake") { refreshCondition(row.querySelector("[data-condition]")); }
  }

  function addColumn(button) {
    var question = rowOf(button);
    var template = form.parentNode.querySelector('template[data-template="column"]') || document.querySelector('template[data-template="column"]');
    var column = fromTemplate(template, { "__OWNER__": question.getAttribute("data-key"), "__AT__": "" });
    settle(column, question.querySelector('[data-list="column"]'));
  }

  function backToChoices(row) {
    var list = row.parentNode.getAttribute("data-list");
    var name = Object.keys(LISTS).filter(function (n) { return LISTS[n].rows === list; })[0];
    var spec = LISTS[name];
    if (!spec || !spec.code) { return; }
    var code = row.querySelector('input[name="' + spec.code + '"]').value;
    var picker = row.closest("fieldset").querySelector('select[name="add_' + name + '"]');
    if (!picker || !code || code.indexOf(CUSTOM) === 0 || picker.querySelector('option[value="' + code + '"]')) { return; }
    var option = new Option(row.querySelector(".row-name").textContent.trim(), code);
    var custom = picker.querySelector('option[value="' + CUSTOM + '"]');
    picker.insertBefore(option, custom);
    picker.closest(".add-row").hidden = false;
  }

  form.addEventListener("click", function (event) {
    var add = event.target.closest('button[name=edit_action][value^="add:"]');
    if (add) {
      event.preventDefault();
      if (add.hasAttribute("data-add-column")) { addColumn(add); } else { addRow(add, add.value.split(":")[1]); }
      return;
    }
    var button = event.target.closest("button[data-move], button[data-remove]");
    if (!button) { return; }
    var row = rowOf(button);
    if (!row) { return; }
    event.preventDefault();
    var list = row.parentNode;
    if (button.hasAttribute("data-remove")) {
      var focusTo = row.nextElementSibling || row.previousElementSibling;
      backToChoices(row);
      row.remove();
      if (focusTo) { var b = focusTo.querySelector("button"); if (b) { b.focus(); } }
      changed({ parentNode: list });
      return;
    } else if (button.getAttribute("data-move") === "up" && row.previousElementSibling) {
      list.insertBefore(row, row.previousElementSibling);
      button.focus();
    } else if (button.getAttribute("data-move") === "down" && row.nextElementSibling) {
      list.insertBefore(row.nextElementSibling, row);
      button.focus();
    }
    changed(row);
  });

  // --- IBAN: checked as it is typed (ISO 13616 mod 97; Saudi IBANs are SA + 22 digits) -----------
  var messages = {
    ar: { length: "رقم الآيبان السعودي: SA ثم 22 رقمًا.", check: "رقم التحقق في الآيبان غير صحيح: راجع الأرقام.", ok: "الآيبان صحيح." },
    en: { length: "A Saudi IBAN is SA followed by 22 digits.", check: "The IBAN's check digits do not match: check the numbers.", ok: "The IBAN is valid." }
  };
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
    var target = event.target;
    var fresh = target.closest && target.closest("[data-fresh]");
    if (fresh) { fresh.removeAttribute("data-fresh"); }
    if (target.hasAttribute && target.hasAttribute("data-iban")) { checkIban(target, false); return; }
    later();
  });
  form.addEventListener("change", function (event) {
    var target = event.target;
    var fresh = target.closest && target.closest("[data-fresh]");
    if (fresh) { fresh.removeAttribute("data-fresh"); }
    if (target.hasAttribute("data-iban")) { checkIban(target, true); }
    if (target.hasAttribute("data-kind")) { showKind(target); }
    if (target.hasAttribute("data-when-field")) { refreshCondition(target.closest("[data-condition]")); }
    else if (/^if_(type|options|label_ar|label_en)$/.test(target.name)) { refreshConditions(); }
    later();
  });

  // Enter in a one-line field would "click" the form's first button (a row's arrow): it does nothing.
  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target.tagName === "INPUT" && target.type !== "submit" && target.type !== "button") {
      event.preventDefault();
    }
  });

  form.querySelectorAll("[data-row]").forEach(wireDrag);
  form.querySelectorAll("select[data-kind]").forEach(showKind);
})();
