// Device commands: every button with data-command posts it for its device (data-device, "*" for all).
// Emergency stop needs no WebSocket: it is a plain request, sent at once, on every page with live devices.
"use strict";
(function () {
  function replySlot(device) {
    const card = document.getElementById("device-" + device);
    if (card) return card.querySelector('[data-field="reply"]');
    let slot = document.getElementById("global-reply");
    if (!slot) {
      slot = document.createElement("p");
      slot.id = "global-reply";
      slot.className = "reply";
      slot.setAttribute("role", "alert");
      document.querySelector("main").prepend(slot);
    }
    return slot;
  }

  function say(device, text) {
    const slot = replySlot(device);
    slot.textContent = text;
    slot.hidden = !text;
  }

  async function send(device, command, extra) {
    say(device, "");
    try {
      const reply = await fetch("/api/devices/" + encodeURIComponent(device) + "/command", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(Object.assign({ command: command }, extra || {})),
      });
      if (reply.ok) return;
      const data = await reply.json();
      const several = data.errors ? Object.entries(data.errors).map(([d, e]) => d + ": " + e).join("; ") : "";
      say(device, "✗ " + (data.error || several || "refused"));
    } catch (err) {
      say(device, "✗ the console did not answer: " + err);
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-command]");
    if (!button || button.type === "submit") return;
    send(button.dataset.device, button.dataset.command);
  });
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form.start");
    if (!form) return;
    event.preventDefault();
    send(form.dataset.device, "start", { program: form.elements.program.value });
  });
  window.massagectlSend = send;
})();
