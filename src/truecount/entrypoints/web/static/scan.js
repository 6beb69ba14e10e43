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
  let last = null;
  const counts = {};
  const expected = {};

  function mode() { return form.querySelector('input[name="mode"]:checked').value; }
  function where() { return document.getElementById("location").value; }
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

  function modeChanged() {
    const m = mode();
    toWrap.hidden = m !== "move";
    finishButton.hidden = m !== "count";
    tally.hidden = m !== "count";
    input.focus();
  }
  form.querySelectorAll('input[name="mode"]').forEach(function (r) { r.addEventListener("change", modeChanged); });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const code = input.value.trim();
    input.value = "";
    input.focus();
    if (!code) return;
    const scan = { mode: mode(), code: code, location: where(), key: key() };
    if (scan.mode === "move") scan.to_location = to();
    try {
      const data = await post("/scan/record", scan);
      if (scan.mode === "count") {
        counts[data.sku] = (counts[data.sku] || 0) + 1;
        expected[data.sku] = data.on_hand;
        renderTally();
        show(true, "counted " + data.sku + ": " + counts[data.sku] + " so far");
      } else {
        const verb = { receive: "received", pick: "picked", move: "moved" }[scan.mode];
        show(true, verb + " 1 × " + data.sku + level(data));
      }
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
      counts[scan.sku] -= 1;
      if (counts[scan.sku] <= 0) delete counts[scan.sku];
      renderTally();
      show(true, "undone: one " + scan.sku + " less counted");
      input.focus();
      return;
    }
    try {
      const body = { mode: scan.mode, code: scan.sku, location: scan.location, key: scan.key };
      if (scan.to_location) body.to_location = scan.to_location;
      const data = await post("/scan/undo", body);
      show(true, "undone: " + scan.mode + " of 1 × " + data.sku + level(data));
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
    if (event.target.tagName !== "SELECT" && event.target.tagName !== "INPUT") input.focus();
  });
  modeChanged();
})();
