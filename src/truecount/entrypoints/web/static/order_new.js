// New order: picked or scanned SKUs become lines (the same SKU again adds one to its quantity).
(function () {
  "use strict";
  const body = document.querySelector("#order-lines tbody");
  const empty = document.getElementById("no-lines");
  const template = document.getElementById("line-row");
  function refresh() { empty.hidden = body.rows.length > 0; }
  function add(v) {
    const existing = Array.from(body.querySelectorAll('input[name="sku"]')).find(function (i) { return i.value === v.sku; });
    if (existing) {
      const q = existing.closest("tr").querySelector('input[name="quantity"]');
      q.value = String((parseInt(q.value, 10) || 0) + 1);
    } else {
      const row = template.content.firstElementChild.cloneNode(true);
      row.querySelector('input[name="sku"]').value = v.sku;
      row.dataset.sku = v.sku;
      body.appendChild(row);
    }
    refresh();
  }
  body.addEventListener("click", function (event) {
    if (event.target.classList.contains("remove")) { event.target.closest("tr").remove(); refresh(); }
  });
  window.truecountPicker(document.getElementById("find"), document.getElementById("found"), add);
  refresh();
})();
