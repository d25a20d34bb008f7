// Live validation for the policy draft editor: posts the form with validate_only=1 after each
// change and shows each problem beside its field. Saving still validates on the server.
(function () {
  "use strict";
  var form = document.getElementById("policy-editor");
  if (!form) return;
  var status = document.getElementById("live-status");
  var timer = null;

  function show(errors) {
    document.querySelectorAll("[data-errors-for]").forEach(function (box) {
      var list = errors[box.getAttribute("data-errors-for")] || [];
      box.textContent = "";
      list.forEach(function (message) {
        var p = document.createElement("p");
        p.textContent = message;
        box.appendChild(p);
      });
    });
    var general = document.getElementById("form-errors");
    general.textContent = "";
    Object.keys(errors).forEach(function (field) {
      if (!document.querySelector('[data-errors-for="' + field + '"]')) {
        errors[field].forEach(function (message) {
          var p = document.createElement("p");
          p.textContent = message;
          general.appendChild(p);
        });
      }
    });
    var count = Object.keys(errors).length;
    status.textContent = count ? status.dataset.bad || "✗" : status.dataset.good || "✓";
  }

  function validate() {
    var data = new FormData(form);
    data.append("validate_only", "1");
    fetch(form.dataset.validateUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (body) { show(body.errors || {}); })
      .catch(function () { /* offline: the server validates on save */ });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(validate, 400);
  });
  form.addEventListener("change", validate);
  try { show(JSON.parse(document.getElementById("initial-errors").textContent)); } catch (e) { /* none */ }
})();
