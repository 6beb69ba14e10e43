// The tracker form: product search, the merchant picker (clears product and type), one mechanism's fields.
(function () {
  const form = document.getElementById("tracker-form");
  if (!form) return;
  const addButton = document.getElementById("add-tracker");
  const merchant = document.getElementById("merchant");
  const search = document.getElementById("product-search");
  const results = document.getElementById("product-results");
  const sku = document.getElementById("sku");
  const chosen = document.getElementById("chosen");
  const chosenSku = document.getElementById("chosen-sku");
  const chosenName = document.getElementById("chosen-name");
  const types = document.getElementById("inventory_type");
  const mechanism = document.getElementById("mechanism");
  let searchTimer = null;
  let searchSeq = 0;

  function options(q) {
    const params = new URLSearchParams({ merchant: merchant.value, q: q || "" });
    return fetch("/trackers/options?" + params, { headers: { Accept: "application/json" } }).then((r) => r.json());
  }

  function showFields() {
    form.querySelectorAll("label.param").forEach((label) => {
      const on = label.dataset.for.split(" ").includes(mechanism.value);
      label.hidden = !on;
      label.querySelector("input").disabled = !on; // hidden fields are not sent
    });
  }

  function choose(variant) {
    sku.value = variant.sku;
    chosenSku.textContent = variant.sku;
    chosenName.textContent = variant.name ? "· " + variant.name : "";
    chosen.hidden = false;
    results.hidden = true;
    results.innerHTML = "";
    search.value = "";
  }

  function clearProduct() {
    sku.value = "";
    chosen.hidden = true;
    chosenSku.textContent = "";
    chosenName.textContent = "";
    search.value = "";
    results.hidden = true;
    results.innerHTML = "";
  }

  function runSearch() {
    const q = search.value.trim();
    const seq = ++searchSeq;
    if (!q) {
      results.hidden = true;
      return;
    }
    options(q).then((data) => {
      if (seq !== searchSeq) return; // a newer search is under way
      results.innerHTML = "";
      if (!data.variants.length) {
        const li = document.createElement("li");
        li.className = "muted";
        li.textContent = "no product matches";
        results.appendChild(li);
      }
      data.variants.forEach((v) => {
        const li = document.createElement("li");
        const b = document.createElement("button");
        b.type = "button";
        b.className = "pick";
        b.dataset.sku = v.sku;
        b.textContent = v.sku + " · " + v.name;
        b.addEventListener("click", () => choose(v));
        li.appendChild(b);
        results.appendChild(li);
      });
      results.hidden = false;
    });
  }

  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 150);
  });
  search.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault(); // Enter picks the first match instead of submitting the form
    const first = results.querySelector("button.pick");
    if (first) first.click();
  });

  merchant.addEventListener("change", () => {
    clearProduct();
    const picked = merchant.options[merchant.selectedIndex];
    document.getElementById("list-merchant").textContent = "· " + picked.dataset.label;
    fetch("/trackers/list?" + new URLSearchParams({ merchant: merchant.value }))
      .then((r) => r.text())
      .then((html) => {
        document.getElementById("tracker-list").innerHTML = html; // the list follows the merchant picked
      });
    types.innerHTML = '<option value="">choose…</option>';
    types.value = "";
    options("").then((data) => {
      data.types.forEach((code) => {
        const option = document.createElement("option");
        option.value = code;
        option.textContent = code;
        types.appendChild(option);
      });
      types.dataset.merchant = merchant.value; // loaded: tests and people can tell
    });
  });

  mechanism.addEventListener("change", showFields);
  if (addButton) {
    addButton.addEventListener("click", () => {
      form.hidden = false;
      addButton.hidden = true;
      search.focus();
    });
  }
  showFields();
  if (!form.hidden) search.focus();
})();
