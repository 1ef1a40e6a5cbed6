// "Check against my profile": what `massagectl check` would refuse or limit, and why.
"use strict";
(function () {
  const out = document.getElementById("check-result");

  function line(tag, text, cls) {
    const el = document.createElement(tag);
    el.textContent = text;
    if (cls) el.className = cls;
    return el;
  }

  function show(data, ok) {
    out.replaceChildren();
    if (!ok) {
      out.append(line("h2", "Cannot check"));
      const list = line("ul", "", "problems");
      for (const e of data.errors || [{ text: data.error || "the check failed" }]) {
        list.append(line("li", "✗ " + e.text));
      }
      out.append(list);
      return;
    }
    out.append(line("h2", "Check: " + data.program + " on " + data.device));
    out.append(line("p", "Health profile: " + data.health, "meta"));
    const list = line("ul", "", "findings");
    for (const f of data.findings) list.append(line("li", f.text, "finding " + f.level));
    if (!data.findings.length) list.append(line("li", "nothing refused or limited", "finding info"));
    out.append(list);
    out.append(line("p", (data.refused ? "✗ " : "✓ ") + data.verdict,
                    "verdict " + (data.refused ? "refused" : "allowed")));
  }

  async function check(button) {
    const body = { device: button.dataset.device || "foot" };
    const source = document.getElementById("source");
    if (source) {
      body.text = source.value;
      body.file = document.getElementById("editor").dataset.file;
    } else {
      body.program = button.dataset.program;
    }
    out.replaceChildren(line("p", "Checking…"));
    try {
      const reply = await fetch("/api/check", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      show(await reply.json(), reply.ok);
    } catch (err) {
      show({ error: "the console did not answer: " + err }, false);
    }
  }

  for (const id of ["check", "check-chair"]) {
    const button = document.getElementById(id);
    if (button) button.addEventListener("click", () => check(button));
  }
})();
