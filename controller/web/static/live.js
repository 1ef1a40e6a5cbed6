// The live page: one WebSocket; each message is one device's whole status, drawn into its card.
// Lit zones get a hatched fill, a heavy outline and their intensity as a number, never colour alone.
"use strict";
(function () {
  const connection = document.getElementById("connection");
  const PLAYING = ["running", "paused"];
  const LATCHED = ["fault", "emergency_stop"];
  let delay = 250;

  function field(card, name) { return card.querySelector('[data-field="' + name + '"]'); }
  function put(card, name, text) { const el = field(card, name); if (el) el.textContent = text; }

  function drawZones(card, status) {
    const on = new Map(status.zones.map((z) => [z.zone, z]));
    for (const g of card.querySelectorAll("g.zone")) {
      const z = on.get(g.dataset.zone);
      g.classList.toggle("on", Boolean(z));
      g.querySelector(".zlevel").textContent = z ? z.intensity + " " + z.motion + (z.heat ? " ♨" + z.heat : "") : "off";
      g.setAttribute("aria-label", g.dataset.zone + (z ? ": intensity " + z.intensity + ", " + z.motion : ": off"));
    }
    const words = status.zones.map((z) => z.zone + " " + z.intensity + " (" + z.motion +
      (z.heat ? ", heat " + z.heat : "") + ")");
    put(card, "zones_text", words.length ? words.join(", ") : "none");
  }

  function drawControls(card, status) {
    const playing = PLAYING.includes(status.state);
    for (const b of card.querySelectorAll(".controls button")) {
      if (b.dataset.command === "clear") b.disabled = !LATCHED.includes(status.state);
      else b.disabled = !playing && b.dataset.command !== "stop";  // stop, like emergency stop, always goes
      if (b.dataset.command === "toggle_pause") {
        b.textContent = status.state === "paused" ? "▶ Resume" : "❚❚ Pause";
      }
    }
    const start = card.querySelector('form.start button[type="submit"]');
    if (start) start.disabled = !status.remote_start || status.state !== "ready";
  }

  function draw(status) {
    const card = document.getElementById("device-" + status.device);
    if (!card || Number(card.dataset.revision) > status.revision && card.dataset.live === "yes") return;
    card.dataset.revision = String(status.revision);
    card.dataset.state = status.state;
    card.dataset.live = "yes";
    card.classList.remove("stale");
    put(card, "state_text", status.state_text);
    put(card, "program", status.program || "—");
    put(card, "step_text", status.step ? status.step + ": " + status.step_name : "—");
    put(card, "next_step_name", status.next_step_name || (status.step ? "— (last step)" : "—"));
    const progress = field(card, "progress");
    progress.max = status.total_s || 1;
    progress.value = Math.min(status.position_s, status.total_s || 1);
    put(card, "time_text", status.total_s ? status.elapsed_text + " elapsed · " + status.remaining_text +
      " remaining" : "—");
    put(card, "offset_text", (status.offset > 0 ? "+" : status.offset < 0 ? "−" : "±") +
      Math.abs(status.offset) + (status.offset ? " (your change to the program's levels)" : " (the program's own)"));
    put(card, "temperature_text", status.temperature_c === null ? "—" : status.temperature_c.toFixed(1) + " °C");
    put(card, "note", status.note || "—");
    const fault = field(card, "fault");
    fault.textContent = "⚠ " + status.fault;
    fault.hidden = !status.fault;
    drawZones(card, status);
    drawControls(card, status);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws");
    socket.onopen = () => {
      delay = 250;
      connection.dataset.state = "live";
      connection.textContent = "● live";
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "status") draw(message);
    };
    socket.onclose = () => {
      connection.dataset.state = "lost";
      connection.textContent = "✗ connection to the console lost: reconnecting… (the values shown may be old; " +
        "EMERGENCY STOP still works)";
      for (const card of document.querySelectorAll("section.device")) {
        card.classList.add("stale");
        card.dataset.live = "no";
      }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 5000);
    };
  }
  connect();
})();
