// Approval forms: as a date is typed in one calendar, show the other (computed by the server with
// the Umm al-Qura calendar), or say beside the field why the date does not exist.
(function () {
  "use strict";
  function setup(pair) {
    var url = pair.getAttribute("data-convert-url");
    var out = pair.querySelector(".date-other");
    var form = pair.closest("form");
    var timer = null;
    function field(name) { return pair.querySelector("[name=" + name + "]"); }
    function errorBox(name) { return pair.querySelector("[id$='-err-" + name + "']"); }
    function clear() {
      ["date_gregorian", "date_hijri"].forEach(function (n) { var b = errorBox(n); if (b) { b.textContent = ""; } });
    }
    function check(source) {
      var params = new URLSearchParams();
      if (source === "hijri") {
        ["day", "month", "year"].forEach(function (n) { params.set("hijri_" + n, field("hijri_" + n).value); });
        if (!field("hijri_year").value || !field("hijri_month").value || !field("hijri_day").value) { return; }
      } else {
        if (!field("date_gregorian").value) { return; }
        params.set("gregorian", field("date_gregorian").value);
      }
      fetch(url + "?" + params.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          clear();
          if (data.errors) {
            out.textContent = "";
            Object.keys(data.errors).forEach(function (k) {
              var box = errorBox(k) || errorBox("date_hijri");
              if (box) { var p = document.createElement("p"); p.textContent = data.errors[k]; box.appendChild(p); }
            });
            return;
          }
          out.textContent = data.text;
          if (source === "hijri") { field("date_gregorian").value = data.gregorian; }
          else {
            var parts = data.hijri.split("-");
            field("hijri_year").value = String(parseInt(parts[0], 10));
            field("hijri_month").value = String(parseInt(parts[1], 10));
            field("hijri_day").value = String(parseInt(parts[2], 10));
          }
        })
        .catch(function () { /* offline: the server checks the date on save */ });
    }
    function later(source) { clearTimeout(timer); timer = setTimeout(function () { check(source); }, 350); }
    field("date_gregorian").addEventListener("change", function () { later("gregorian"); });
    ["hijri_day", "hijri_month", "hijri_year"].forEach(function (n) {
      field(n).addEventListener("input", function () { later("hijri"); });
      field(n).addEventListener("change", function () { later("hijri"); });
    });
    if (form) { form.setAttribute("novalidate", "novalidate"); }
  }
  document.querySelectorAll("[data-date-pair]").forEach(setup);
})();
