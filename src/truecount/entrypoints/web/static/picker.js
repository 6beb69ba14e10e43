// The SKU picker of the daily-work forms: type part of a SKU or name (a list appears), or scan a
// barcode and press Enter (the exact match is taken). window.truecountPicker(input, list, onPick).
(function () {
  "use strict";
  window.truecountPicker = function (input, list, onPick) {
    let timer = null;
    let shown = [];
    async function lookup(q) {
      const response = await fetch("/find/variants?q=" + encodeURIComponent(q), { credentials: "same-origin" });
      return response.ok ? response.json() : [];
    }
    function render(items) {
      shown = items;
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
      render([]);
      onPick(v);
      input.focus();
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
      input.value = ""; // a scanner may send the next code before this one is looked up
      const items = await lookup(q);
      const exact = items.find(function (v) { return v.sku.toLowerCase() === q.toLowerCase() || v.barcodes.indexOf(q) >= 0; });
      if (exact) pick(exact);
      else if (items.length === 1) pick(items[0]);
      else { if (!input.value) input.value = q; render(items); }
    });
  };
})();
