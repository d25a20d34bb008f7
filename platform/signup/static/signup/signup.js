// Live subdomain check: asks the platform as the person types (debounced), shows the answer.
(function () {
  var input = document.getElementById("slug");
  var out = document.getElementById("slug-status");
  if (!input || !out) return;
  var timer = null;
  input.addEventListener("input", function () {
    input.value = input.value.toLowerCase();
    clearTimeout(timer);
    timer = setTimeout(function () {
      var slug = input.value.trim();
      if (!slug) { out.textContent = ""; return; }
      fetch(input.dataset.checkUrl + "?slug=" + encodeURIComponent(slug), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.slug !== input.value.trim()) return;
          out.textContent = data.message;
          out.className = "slug-status " + (data.available ? "slug-ok" : "field-error");
          input.setAttribute("aria-invalid", data.available ? "false" : "true");
        });
    }, 250);
  });
})();
