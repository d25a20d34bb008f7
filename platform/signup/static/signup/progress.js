// Provisioning progress: polls the sign-up's state until the site is ready, then goes there.
(function () {
  var box = document.getElementById("progress");
  if (!box) return;
  var labelsEl = document.getElementById("step-labels");
  var labels = labelsEl ? JSON.parse(labelsEl.textContent) : {};
  function poll() {
    fetch(box.dataset.stateUrl, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        document.getElementById("bar").value = s.progress;
        if (labels[s.step]) document.getElementById("step").textContent = labels[s.step];
        if (s.status === "active") {
          document.getElementById("done").hidden = false;
          if (box.dataset.enterUrl) window.location.assign(box.dataset.enterUrl);
        } else if (s.status === "failed") {
          document.getElementById("failed").hidden = false;
        } else {
          setTimeout(poll, 400);
        }
      })
      .catch(function () { setTimeout(poll, 1500); });
  }
  poll();
})();
