// The watcher's panel (issue 30): its status (last cycle, last data day, next run) and the alert
// history from /api/watch. Hidden for a store no watcher has written to. Text only (textContent),
// never HTML from the store.
"use strict";
(async function watchPanel() {
  const panel = document.getElementById("watch-panel");
  if (!panel) return;
  let state;
  try {
    const response = await fetch("/api/watch");
    if (!response.ok) return;
    state = await response.json();
  } catch (error) {
    return;
  }
  if (!state.last_cycle_at && !(state.alerts || []).length) return;
  const status = document.getElementById("watch-status");
  const parts = [
    `last cycle ${state.last_cycle_at || "never"} UTC`,
    `data until ${state.last_data_day || "?"}`,
    state.next_run_at ? `next run ${state.next_run_at} UTC` : "next run: by cron or timer",
  ];
  if (state.last_error) parts.push(`last error: ${state.last_error}`);
  status.textContent = parts.join("; ");
  const list = document.getElementById("watch-alerts");
  list.replaceChildren();
  for (const alert of state.alerts) {
    const li = document.createElement("li");
    const head = document.createElement("strong");
    head.textContent = `${alert.opened} ${alert.focus}-${alert.partner}: ${alert.direction}`;
    li.append(head, ` ${alert.summary}`, alert.cleared ? ` (cleared ${alert.cleared})` : " (open)");
    const links = (alert.evidence || []).filter((e) => e.reference).slice(0, 3);
    for (const event of links) {
      const a = document.createElement("a");
      a.href = event.reference;
      a.rel = "noopener";
      a.textContent = ` [${event.date}]`;
      li.append(a);
    }
    list.append(li);
  }
  panel.hidden = false;
})();
