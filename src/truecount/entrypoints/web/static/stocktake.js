// A stocktake being counted: a scan and the typed figures go to the API
// (POST /api/v1/stocktakes/{id}/counts, the service the forms use too) and the table, the
// counted lines and the variance are redrawn from its answer — the page is not reloaded, the
// place chosen and the scan field stay as they are. Without this script the forms post as usual.
(function () {
  "use strict";
  const scan = document.getElementById("st-scan");
  const lines = document.getElementById("st-lines");
  if (!scan || !lines || !window.fetch) return;
  const id = lines.dataset.stocktake;
  const shown = lines.dataset.expectedShown === "true";
  const body = lines.querySelector("tbody");
  const said = document.getElementById("st-said");
  const code = document.getElementById("st-code");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  let counted = current();

  function current() {
    const out = {};
    body.querySelectorAll("tr[data-line]").forEach(function (row) {
      const input = row.querySelector("input");
      out[row.dataset.line] = input && input.defaultValue !== "" ? Number(input.defaultValue) : null;
    });
    return out;
  }

  function tell(ok, text) {
    said.innerHTML = "";
    const p = document.createElement("p");
    p.className = "flash " + (ok ? "ok" : "refused");
    p.id = ok ? "done" : "refusal";
    p.setAttribute("role", ok ? "status" : "alert");
    p.textContent = (ok ? "✔ " : "✖ ") + text;
    said.appendChild(p);
  }

  async function send(payload) {
    const response = await fetch("/api/v1/stocktakes/" + id + "/counts", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRF-Token": csrf,
        "Idempotency-Key": "web-st:" + id + ":" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10),
      },
      body: JSON.stringify({ lines: payload }),
      credentials: "same-origin",
    });
    if (response.status === 401) {
      window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
      throw new Error("signed out");
    }
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      const error = data.error || { message: "HTTP " + response.status };
      throw new Error(error.message);
    }
    return data;
  }

  function cell(row, className, content) {
    const td = document.createElement("td");
    if (className) td.className = className;
    if (content !== undefined) td.textContent = content;
    row.appendChild(td);
    return td;
  }

  function signed(n) { return (n > 0 ? "+" : "") + n; }

  function draw(take) {
    body.innerHTML = "";
    take.lines.forEach(function (line) {
      const row = document.createElement("tr");
      row.dataset.line = line.line;
      row.dataset.place = line.place;
      row.dataset.sku = line.sku;
      row.dataset.type = line.inventory_type;
      if (line.counted === null) row.className = "uncounted";
      const place = cell(row, "", line.place);
      if (line.inventory_type !== "good") {
        const tag = document.createElement("span");
        tag.className = "tag";
        tag.textContent = line.inventory_type;
        place.append(" ", tag);
      }
      const item = cell(row, "item");
      const sku = document.createElement("b");
      sku.textContent = line.sku;
      const name = document.createElement("small");
      name.className = "muted";
      name.textContent = line.name;
      item.append(sku, document.createElement("br"), name);
      if (shown) cell(row, "n expected", String(line.expected));
      const input = document.createElement("input");
      input.type = "number";
      input.min = "0";
      input.name = "count-" + line.line;
      input.inputMode = "numeric";
      input.defaultValue = line.counted === null ? "" : String(line.counted);
      input.setAttribute("aria-label", "counted " + line.sku + " at " + line.place);
      cell(row, "n counted").appendChild(input);
      if (shown) {
        const v = line.variance;
        const kind = v > 0 ? " variance-plus" : (v < 0 ? " variance-minus" : "");
        cell(row, "n variance" + kind, v === null ? "" : signed(v));
      }
      body.appendChild(row);
    });
    document.getElementById("st-counted").textContent = take.counted_lines;
    document.getElementById("st-total").textContent = take.lines.length;
    const variance = document.getElementById("st-variance-shown");
    variance.hidden = !(take.expected_shown && take.variance_units !== null);
    if (!variance.hidden) document.getElementById("st-variance").textContent = signed(take.variance_units);
    const save = document.getElementById("st-save");
    if (save) save.closest(".actions").hidden = !take.lines.length;
    const before = counted;
    counted = current();
    return take.lines.filter(function (line) { return before[line.line] !== counted[line.line]; });
  }

  scan.addEventListener("submit", async function (event) {
    event.preventDefault();
    const text = code.value.trim();
    if (!text) { code.focus(); return; }
    const each = document.getElementById("st-quantity");
    const quantity = parseInt(each.value, 10) || 1;
    const place = document.getElementById("st-place").value;
    code.value = ""; // the next scan may come before this one is answered
    each.value = "1"; // a quantity is for one scan (a case of 8); the next counts one, as on the scan page
    code.focus();
    try {
      const changed = draw(await send([{ sku: text, counted: quantity, place: place, add: true }]));
      const line = changed.find(function (l) { return l.place === place; }) || changed[0];
      tell(true, line ? "counted " + quantity + " × " + line.sku + ": " + line.counted + " so far at " + line.place
        : "counted " + quantity + " × " + text);
    } catch (error) {
      tell(false, text + ": " + error.message);
    }
  });

  lines.addEventListener("submit", async function (event) {
    event.preventDefault();
    const typed = [];
    body.querySelectorAll("tr[data-line]").forEach(function (row) {
      const input = row.querySelector("input");
      if (!input || input.value === "" || input.value === input.defaultValue) return;
      typed.push({ sku: row.dataset.sku, counted: Number(input.value), place: row.dataset.place, inventory_type: row.dataset.type });
    });
    if (!typed.length) { tell(false, "lines: type a counted figure on at least one line"); return; }
    try {
      draw(await send(typed));
      tell(true, typed.length + " figure" + (typed.length === 1 ? "" : "s") + " recorded");
    } catch (error) {
      tell(false, error.message);
    }
  });
})();
