// The scan page: a keyboard-wedge scanner types the code and presses Enter.
(function () {
  "use strict";
  const form = document.getElementById("scan");
  const input = document.getElementById("code");
  const result = document.getElementById("result");
  const log = document.getElementById("log");
  const undoButton = document.getElementById("undo");
  const finishButton = document.getElementById("finish");
  const tally = document.getElementById("tally");
  const toWrap = document.getElementById("to-wrap");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const locationSelect = document.getElementById("location");
  const quantityInput = document.getElementById("quantity");
  const REMEMBER = "truecount.scan.location";
  let last = null;
  const counts = {};
  const expected = {};

  function mode() { return form.querySelector('input[name="mode"]:checked').value; }
  function where() { return locationSelect.value; }
  function quantity() {
    const q = parseInt(quantityInput.value, 10);
    return Number.isFinite(q) && q > 0 ? q : 1;
  }

  // The last location used on this device wins over the user's usual one.
  try {
    const remembered = window.localStorage.getItem(REMEMBER);
    if (remembered && Array.from(locationSelect.options).some(function (o) { return o.value === remembered; })) {
      locationSelect.value = remembered;
    }
  } catch (e) { /* storage disabled: the usual location stays */ }
  locationSelect.addEventListener("change", function () {
    try { window.localStorage.setItem(REMEMBER, locationSelect.value); } catch (e) { /* ignore */ }
  });
  function to() { return document.getElementById("to_location").value; }
  function key() { return Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }

  function show(ok, text) {
    result.className = "result " + (ok ? "ok" : "refused");
    result.textContent = text;
    const item = document.createElement("li");
    item.textContent = new Date().toLocaleTimeString() + " " + text;
    if (!ok) item.className = "refused";
    log.prepend(item);
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      const error = data.error || { message: "HTTP " + response.status };
      throw new Error(error.message);
    }
    return data;
  }

  function level(data) {
    const lv = (data.levels || [])[0];
    return lv ? " — on hand " + lv.on_hand + " at " + lv.location : "";
  }

  function renderTally() {
    const body = tally.querySelector("tbody");
    body.innerHTML = "";
    Object.keys(counts).sort().forEach(function (sku) {
      const row = document.createElement("tr");
      [sku, counts[sku], expected[sku]].forEach(function (v, i) {
        const cell = document.createElement("td");
        cell.textContent = v;
        if (i) cell.className = "n";
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
  }

  // Pick list mode: each scan ticks the list's lines; the table shows what is picked so far.
  const pickWrap = document.getElementById("pl-wrap");
  const pickSelect = document.getElementById("pick_list");
  const pickTable = document.getElementById("pick-table");
  const locationWrap = document.getElementById("location-wrap");

  function renderPicks(list) {
    const body = pickTable.querySelector("tbody");
    body.innerHTML = "";
    list.lines.forEach(function (line) {
      const row = document.createElement("tr");
      row.dataset.line = line.line;
      if (line.picked === line.quantity) row.className = "picked";
      const who = line.order !== null ? "order " + line.order : "work order " + line.work_order;
      [line.place, line.sku, line.lot, who, line.picked + " / " + line.quantity].forEach(function (v, i) {
        const cell = document.createElement("td");
        cell.textContent = v;
        if (i === 4) cell.className = "n";
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
  }

  async function loadPicks() {
    pickTable.querySelector("tbody").innerHTML = "";
    if (!pickSelect.value) return;
    const response = await fetch("/api/v1/pick-lists/" + pickSelect.value, { credentials: "same-origin", headers: { "Accept": "application/json" } });
    if (response.ok) renderPicks(await response.json());
  }
  pickSelect.addEventListener("change", function () { loadPicks(); input.focus(); });

  function modeChanged() {
    const m = mode();
    toWrap.hidden = m !== "move";
    finishButton.hidden = m !== "count";
    tally.hidden = m !== "count";
    pickWrap.hidden = m !== "picklist";
    pickTable.hidden = m !== "picklist";
    locationWrap.hidden = m === "picklist";
    if (m === "picklist") { undoButton.disabled = true; loadPicks(); }
    input.focus();
  }
  form.querySelectorAll('input[name="mode"]').forEach(function (r) { r.addEventListener("change", modeChanged); });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const code = input.value.trim();
    input.value = "";
    input.focus();
    if (!code) return;
    if (mode() === "picklist") {
      try {
        if (!pickSelect.value) throw new Error("choose a pick list first");
        const data = await post("/scan/pick", { pick_list: parseInt(pickSelect.value, 10), code: code, quantity: quantity(), key: key() });
        renderPicks(data.pick_list);
        const done = data.pick_list.complete ? " — pick list complete" : "";
        show(true, "picked " + data.quantity + " × " + data.sku + " (line " + data.lines.join(", ") + ")" + done);
        quantityInput.value = "1";
      } catch (error) {
        show(false, code + ": " + error.message);
      }
      return;
    }
    const scan = { mode: mode(), code: code, location: where(), quantity: quantity(), key: key() };
    if (scan.mode === "move") scan.to_location = to();
    try { window.localStorage.setItem(REMEMBER, scan.location); } catch (e) { /* ignore */ }
    try {
      const data = await post("/scan/record", scan);
      if (scan.mode === "count") {
        counts[data.sku] = (counts[data.sku] || 0) + scan.quantity;
        expected[data.sku] = data.on_hand;
        renderTally();
        show(true, "counted " + data.sku + ": " + counts[data.sku] + " so far");
      } else {
        const verb = { receive: "received", pick: "picked", move: "moved" }[scan.mode];
        show(true, verb + " " + scan.quantity + " × " + data.sku + level(data));
      }
      quantityInput.value = "1";
      last = Object.assign({}, scan, { sku: data.sku });
      undoButton.disabled = false;
    } catch (error) {
      show(false, code + ": " + error.message);
    }
  });

  undoButton.addEventListener("click", async function () {
    if (!last) return;
    const scan = last;
    last = null;
    undoButton.disabled = true;
    if (scan.mode === "count") {
      counts[scan.sku] -= scan.quantity;
      if (counts[scan.sku] <= 0) delete counts[scan.sku];
      renderTally();
      show(true, "undone: " + scan.quantity + " × " + scan.sku + " less counted");
      input.focus();
      return;
    }
    try {
      const body = { mode: scan.mode, code: scan.sku, location: scan.location, quantity: scan.quantity, key: scan.key };
      if (scan.to_location) body.to_location = scan.to_location;
      const data = await post("/scan/undo", body);
      show(true, "undone: " + scan.mode + " of " + scan.quantity + " × " + data.sku + level(data));
    } catch (error) {
      show(false, "undo refused: " + error.message);
    }
    input.focus();
  });

  finishButton.addEventListener("click", async function () {
    if (!Object.keys(counts).length) { show(false, "nothing counted yet"); return; }
    try {
      const data = await post("/scan/count", { location: where(), counts: counts, key: key() });
      show(true, "count recorded for " + data.counted.map(function (c) { return c.sku + " = " + c.counted; }).join(", "));
      Object.keys(counts).forEach(function (k) { delete counts[k]; });
      renderTally();
    } catch (error) {
      show(false, "count refused: " + error.message);
    }
    input.focus();
  });

  document.addEventListener("click", function (event) {
    const tag = event.target.tagName;
    if (tag !== "SELECT" && tag !== "INPUT" && tag !== "BUTTON" && tag !== "A") input.focus();
  });
  modeChanged();
})();
