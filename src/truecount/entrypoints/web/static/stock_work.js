// Stock work: the SKU field searches as you type; a scanned barcode (Enter) is taken at once.
(function () {
  "use strict";
  const sku = document.getElementById("sku");
  if (!sku || !window.truecountPicker) return;
  window.truecountPicker(sku, document.getElementById("found"), function (v) {
    sku.value = v.sku;
    const next = document.getElementById("quantity");
    // on to the quantity, unless the user has moved on while the code was looked up
    if (next && (document.activeElement === sku || document.activeElement === document.body)) next.focus();
  }, { keep: true });
})();
