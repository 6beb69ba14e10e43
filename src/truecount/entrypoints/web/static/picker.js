// The SKU picker of the daily-work forms: type part of a SKU or name (a list appears), or scan a
// barcode and press Enter (the exact match is taken). window.truecountPicker(input, list, onPick, options).
// options.keep: the field itself is what the form sends (stock work), so a scanned code stays in it,
// selected, while it is looked up — a submit in that moment sends the code (the server resolves
// barcodes), and the next scan replaces the selection. Without it the field is cleared at once
// (a search box whose picks become lines elsewhere).
(function () {
  "use strict";
  window.truecountPicker = function (input, list, onPick, options) {
    const keep = Boolean(options && options.keep);
    let timer = null;
    async function lookup(q) {
      const response = await fetch("/find/variants?q=" + encodeURIComponent(q), { credentials: "same-origin" });
      return response.ok ? response.json() : [];
    }
    function render(items) {
      list.innerHTML = "";
      items.forEach(function (v) {
        const li = document.createElement("li");
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = v.sku + " — " + v.name;
        b.dataset.sku = v.sku;
        b.addEventListener("click", function () { input.value = ""; pick(v); });
        li.appendChild(b);
        list.appendChild(li);
      });
      list.hidden = !items.length;
    }
    function pick(v) {
      render([]); // a clicked button goes with the list: focus falls to the page
      onPick(v);
      if (document.activeElement === document.body) input.focus();
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      const q = input.value.trim();
      if (q.length < 2) { render([]); return; }
      timer = setTimeout(async function () { render(await lookup(q)); }, 200);
    });
    input.addEventListener("keydown", async function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      clearTimeout(timer);
      const q = input.value.trim();
      if (!q) return;
      if (keep) input.select(); // a scanner may send the next code before this one is looked up
      else input.value = "";
      const items = await lookup(q);
      if (keep && input.value.trim() !== q) return; // something else was typed or scanned meanwhile
      const exact = items.find(function (v) { return v.sku.toLowerCase() === q.toLowerCase() || v.barcodes.indexOf(q) >= 0; });
      if (exact) pick(exact);
      else if (items.length === 1) pick(items[0]);
      else { if (!input.value) input.value = q; render(items); }
    });
  };
})();
