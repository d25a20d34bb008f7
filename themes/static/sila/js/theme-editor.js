// Live preview of the theme editor: colours and logo shown as they will look, and the WCAG
// contrast computed as you choose. The server checks everything again before saving.
(function () {
  "use strict";
  const HEX = /^#[0-9a-fA-F]{6}$/;
  const form = document.getElementById("theme-form");
  const preview = document.getElementById("preview");
  const report = document.getElementById("contrast");
  if (!form || !preview || !report) return;
  const brand = document.getElementById("id_brand");
  const ink = document.getElementById("id_brand_ink");

  function linear(c) { c /= 255; return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); }
  function luminance(hex) {
    const n = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    return 0.2126 * linear(n[0]) + 0.7152 * linear(n[1]) + 0.0722 * linear(n[2]);
  }
  function contrast(a, b) {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  }
  const arabic = document.documentElement.lang === "ar";
  function digits(text) {
    return arabic ? text.replace(/[0-9]/g, (d) => "٠١٢٣٤٥٦٧٨٩"[d]).replace(".", "٫") : text;
  }
  function line(label, value) {
    const item = document.createElement("span");
    const ok = value >= 4.5;
    item.textContent = label + ": " + digits(value.toFixed(2)) + ":" + digits("1") + " — " + (ok ? report.dataset.ok : report.dataset.low);
    if (!ok) item.className = "contrast-low";
    return item;
  }
  function update() {
    const b = brand.value.trim(), i = ink.value.trim();
    if (!HEX.test(b) || !HEX.test(i)) return;
    preview.style.setProperty("--p-brand", b);
    preview.style.setProperty("--p-ink", i);
    report.replaceChildren(
      line(report.dataset.labelText, contrast(b, i)),
      document.createElement("br"),
      line(report.dataset.labelLink, Math.min(contrast(b, "#ffffff"), contrast(b, "#f6f8f7")))
    );
  }
  document.querySelectorAll("input[type=color]").forEach(function (picker) {
    const target = document.getElementById(picker.dataset.target);
    picker.addEventListener("input", function () { target.value = picker.value; update(); });
    target.addEventListener("input", function () { if (HEX.test(target.value)) picker.value = target.value.toLowerCase(); update(); });
  });
  const logo = document.getElementById("id_logo");
  const img = document.getElementById("preview-logo");
  if (logo && img) {
    logo.addEventListener("change", function () {
      const file = logo.files && logo.files[0];
      if (file && /^image\/(png|jpeg)$/.test(file.type)) { img.src = URL.createObjectURL(file); img.hidden = false; }
    });
  }
  update();
})();
