// The stock screen's live updates: server-sent events carry re-rendered rows of variants that moved.
(function () {
  "use strict";
  const table = document.getElementById("stock");
  const live = document.getElementById("live");
  if (!table || !window.EventSource) return;
  const low = table.dataset.lowBelow || "5";
  const source = new EventSource("/stock/events?low_below=" + encodeURIComponent(low));
  source.onopen = function () { if (live) { live.classList.add("on"); live.textContent = "● live"; } };
  source.onerror = function () { if (live) { live.classList.remove("on"); live.textContent = "○ reconnecting"; } };
  source.addEventListener("stock", function (event) {
    const rows = JSON.parse(event.data).rows;
    Object.keys(rows).forEach(function (sku) {
      const current = table.querySelector('tbody[data-sku="' + CSS.escape(sku) + '"]');
      if (!current) return; // not on this page
      const holder = document.createElement("table");
      holder.innerHTML = rows[sku];
      const fresh = holder.querySelector("tbody");
      fresh.classList.add("flash");
      current.replaceWith(fresh);
    });
  });
})();
