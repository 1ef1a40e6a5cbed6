// The program editor: validate as you type (debounced, on the server, exactly as `massagectl validate`),
// mark each error at its line in the gutter (a ✗ and the line number, not colour alone), and save.
"use strict";
(function () {
  const editor = document.getElementById("editor");
  const source = document.getElementById("source");
  const gutter = document.getElementById("gutter");
  const status = document.getElementById("status");
  const problems = document.getElementById("problems");
  const saveStatus = document.getElementById("save-status");
  let timer = null;
  let sequence = 0;
  let badLines = new Map();

  function drawGutter() {
    const count = source.value.split("\n").length;
    gutter.replaceChildren();
    for (let n = 1; n <= count; n++) {
      const row = document.createElement("span");
      row.className = "gutter-line";
      row.dataset.line = String(n);
      const bad = badLines.get(n);
      if (bad) {
        row.classList.add("bad");
        row.title = bad;
        row.textContent = "✗ " + n + "\n";
      } else {
        row.textContent = n + "\n";
      }
      gutter.append(row);
    }
    gutter.scrollTop = source.scrollTop;
  }

  function goToLine(n) {
    const lines = source.value.split("\n");
    const start = lines.slice(0, n - 1).reduce((sum, l) => sum + l.length + 1, 0);
    source.focus();
    source.setSelectionRange(start, start + (lines[n - 1] || "").length);
  }

  function showErrors(errors, summary) {
    badLines = new Map();
    problems.replaceChildren();
    for (const e of errors) {
      if (e.line) badLines.set(e.line, (badLines.get(e.line) ? badLines.get(e.line) + "\n" : "") + e.text);
      const item = document.createElement("li");
      item.className = "problem";
      if (e.line) item.dataset.line = String(e.line);
      const go = document.createElement("button");
      go.type = "button";
      go.className = "link";
      go.textContent = e.line ? "line " + e.line : "—";
      go.setAttribute("aria-label", e.line ? "Go to line " + e.line : "No line");
      if (e.line) go.addEventListener("click", () => goToLine(e.line));
      const text = document.createElement("code");
      text.textContent = e.text;
      item.append("✗ ", go, " ", text);
      problems.append(item);
    }
    status.textContent = errors.length
      ? errors.length + (errors.length === 1 ? " error" : " errors")
      : "✓ ok (" + summary + ")";
    status.className = "status " + (errors.length ? "bad" : "good");
    drawGutter();
  }

  async function post(url, body) {
    const reply = await fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    return { ok: reply.ok, status: reply.status, data: await reply.json() };
  }

  async function validate() {
    const mine = ++sequence;
    status.textContent = "Checking…";
    try {
      const r = await post("/api/validate", { text: source.value, file: editor.dataset.file });
      if (mine !== sequence) return;  // a later edit is already being checked
      if (r.ok) showErrors(r.data.errors, r.data.summary);
      else showErrors([{ text: r.data.error || "cannot validate", line: null }], "");
    } catch (err) {
      if (mine === sequence) status.textContent = "The console did not answer: " + err;
    }
  }

  async function save(replace) {
    saveStatus.textContent = "Saving…";
    const body = { text: source.value, file: editor.dataset.file, replace: replace || editor.dataset.replace };
    const r = await post("/api/save", body);
    if (r.ok) {
      editor.dataset.replace = r.data.id;
      saveStatus.replaceChildren("✓ Saved to ", Object.assign(document.createElement("code"),
        { textContent: r.data.saved }), " — ", Object.assign(document.createElement("a"),
        { href: r.data.url, textContent: "open it" }));
      return;
    }
    if (r.status === 409 && r.data.exists) {
      if (window.confirm(r.data.error + "\n\nReplace it?")) {
        return save(r.data.id);
      }
      saveStatus.textContent = "Not saved.";
      return;
    }
    if (r.data.errors) showErrors(r.data.errors, "");
    saveStatus.textContent = "✗ Not saved: " + (r.data.error || "fix the errors above first");
  }

  source.addEventListener("input", () => {
    drawGutter();
    clearTimeout(timer);
    timer = setTimeout(validate, 250);
  });
  source.addEventListener("scroll", () => { gutter.scrollTop = source.scrollTop; });
  document.getElementById("save").addEventListener("click", () => save(""));
  drawGutter();
  validate();
})();
