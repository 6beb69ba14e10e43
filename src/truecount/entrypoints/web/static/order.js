// The order page: scan to pick — each scanned code adds one unit to its line's "ship now".
(function () {
  "use strict";
  const input = document.getElementById("pick-scan");
  const result = document.getElementById("pick-result");
  if (!input) return;
  function say(ok, text) { result.className = ok ? "flash ok" : "flash refused"; result.textContent = (ok ? "✔ " : "✖ ") + text; }
  async function skuOf(code) {
    const response = await fetch("/find/variants?q=" + encodeURIComponent(code), { credentials: "same-origin" });
    const items = response.ok ? await response.json() : [];
    const exact = items.find(function (v) { return v.sku.toLowerCase() === code.toLowerCase() || v.barcodes.indexOf(code) >= 0; });
    return exact ? exact.sku : null;
  }
  input.addEventListener("keydown", async function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const code = input.value.trim();
    input.value = "";
    if (!code) return;
    const sku = await skuOf(code);
    // a line shipping a substitute is picked by scanning the substitute (data-ships)
    const row = sku && (document.querySelector('#fulfil tr[data-sku="' + CSS.escape(sku) + '"]') ||
                        document.querySelector('#fulfil tr[data-ships="' + CSS.escape(sku) + '"]'));
    if (!row) { say(false, code + ": not on this order (or nothing of it is ready to ship)"); return; }
    const qty = row.querySelector(".pick-qty");
    const max = parseInt(qty.max, 10);
    const now = parseInt(qty.value, 10) || 0;
    if (now >= max) { say(false, sku + ": all " + max + " ready are already picked"); return; }
    qty.value = String(now + 1);
    const line = row.dataset.sku === sku ? "" : " for " + row.dataset.sku;
    say(true, "picked " + sku + line + ": " + (now + 1) + " of " + max);
  });
})();
