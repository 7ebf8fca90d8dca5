// dyadwatch dashboard: plain JavaScript and SVG, no libraries, no network beyond this server.
"use strict";
const focus = "PRK";
const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";

async function getJSON(url) {
  const response = await fetch(url);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function element(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function drawChart(series, breaks) {
  const svg = $("chart");
  svg.replaceChildren();
  const width = 800, height = 300, left = 40, bottom = 20, top = 10;
  const peak = Math.max(1, ...series.map((row) => Math.max(row.cooperation, row.conflict)));
  const middle = top + (height - top - bottom) / 2;
  const scale = (height - top - bottom) / 2 / peak;
  const step = (width - left) / Math.max(series.length, 1);
  series.forEach((row, index) => {
    const x = left + index * step;
    if (row.cooperation > 0) svg.append(element("rect", { x, y: middle - row.cooperation * scale, width: Math.max(step * 0.8, 1), height: row.cooperation * scale, class: "cooperation" }));
    if (row.conflict > 0) svg.append(element("rect", { x, y: middle, width: Math.max(step * 0.8, 1), height: row.conflict * scale, class: "conflict" }));
  });
  svg.append(element("line", { x1: left, x2: width, y1: middle, y2: middle, class: "axis" }));
  svg.append(element("text", { x: 2, y: top + 10 }, String(peak)));
  svg.append(element("text", { x: 2, y: height - bottom }, String(peak)));
  const first = series.length ? series[0].period.slice(0, 4) : "";
  const last = series.length ? series[series.length - 1].period.slice(0, 4) : "";
  svg.append(element("text", { x: left, y: height - 4 }, first));
  svg.append(element("text", { x: width - 32, y: height - 4 }, last));
  const position = new Map(series.map((row, index) => [row.period, index]));
  for (const item of breaks) {
    const index = position.get(item.date);
    if (index === undefined) continue;
    const x = left + index * step;
    const up = item.after_mean >= item.before_mean;
    const points = up ? `${x},${top + 8} ${x - 6},${top + 18} ${x + 6},${top + 18}` : `${x},${top + 18} ${x - 6},${top + 8} ${x + 6},${top + 8}`;
    svg.append(element("polygon", { points, class: up ? "break-up" : "break-down" }));
  }
}

function showBreaks(result) {
  const list = $("breaks");
  list.replaceChildren();
  const add = (text) => { const item = document.createElement("li"); item.textContent = text; list.append(item); };
  if (result.status && result.status !== "ok") { add(`Not enough data to date regime changes: ${result.reason}.`); return; }
  if (!result.breaks.length) { add("No regime change stands out in this series."); return; }
  for (const item of result.breaks) {
    const near = item.nearby_events.length ? ` Around then: ${item.nearby_events[0].summary}` : "";
    add(`${item.date}: mean ${item.before_mean.toFixed(2)} → ${item.after_mean.toFixed(2)}.${near}`);
  }
}

function showEvents(result) {
  const body = $("events");
  body.replaceChildren();
  for (const event of result.events) {
    const row = document.createElement("tr");
    for (const text of [event.date, `${event.actor1} → ${event.actor2 || "—"}`, event.summary || "", event.reference || ""]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    body.append(row);
  }
}

// Flexibility: a range between two bounds (design §8). The lower bound `flexibility` counts only the
// partner's past (focus ordered first); the upper bound `flexibility_upper` adds all same-period
// co-movement (partner ordered first); `co_movement` is reported, never credited to either side.
const flexCache = new Map();
const FREQ_WORDS = { Y: "yearly", Q: "quarterly", M: "monthly" };
const GRANGER_ALPHA = 0.05;

function finite(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function pct(value) {
  return `${Math.round(100 * value)}%`;
}

function interval(low, high) {
  return finite(low) !== null && finite(high) !== null ? `${pct(low)}–${pct(high)}` : null;
}

function flexSentences(row, name) {
  const lower = finite(row.flexibility);
  if (lower === null) return [`Not estimated: ${row.reason || "too few periods for a stable estimate"}.`];
  const upper = finite(row.flexibility_upper);
  const sentences = [];
  const share = `of the variation in the DPRK's net cooperation towards ${name}, six periods ahead, follows ${name}'s behaviour`;
  if (upper !== null) {
    sentences.push(`Between ${pct(lower)} (responses to ${name}'s past only) and ${pct(upper)} (if all same-period co-movement were a response) ${share}.`);
  } else {
    sentences.push(`${pct(lower)} ${share} through ${name}'s past (no upper bound was computed).`);
  }
  const low = interval(row.ci_low, row.ci_high);
  const high = interval(row.upper_ci_low, row.upper_ci_high);
  if (low || high) {
    const parts = [low ? `lower bound ${low}` : null, high ? `upper bound ${high}` : null].filter(Boolean);
    sentences.push(`90% bootstrap intervals: ${parts.join(", ")}${Number.isInteger(row.n_periods) ? `; ${row.n_periods} periods` : ""}.`);
  }
  const co = finite(row.co_movement);
  if (co !== null) {
    sentences.push(`Same-period co-movement ${co.toFixed(2)}: joint meetings and mirrored reporting, which this measure does not credit to either side.`);
  }
  const p = finite(row.responsiveness_p);
  if (p !== null) {
    sentences.push(p < GRANGER_ALPHA
      ? `${name}'s past conduct helps predict the DPRK's (Granger test p = ${p.toFixed(3)}).`
      : `No lagged response to ${name} is detectable (Granger test p = ${p.toFixed(2)}).`);
  }
  return sentences;
}

function drawFlex(row) {
  const svg = $("flex-chart");
  svg.replaceChildren();
  const width = 800, left = 10, right = 10, y = 30;
  const x = (value) => left + (width - left - right) * Math.min(Math.max(value, 0), 1);
  svg.append(element("line", { x1: x(0), x2: x(1), y1: y + 18, y2: y + 18, class: "axis" }));
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    const anchor = tick === 0 ? "start" : tick === 1 ? "end" : "middle";
    svg.append(element("text", { x: x(tick), y: y + 32, "text-anchor": anchor }, pct(tick)));
  }
  const lower = finite(row.flexibility);
  if (lower === null) { svg.classList.add("empty"); return; }
  svg.classList.remove("empty");
  const upper = finite(row.flexibility_upper);
  if (upper !== null) {
    svg.append(element("rect", { x: x(lower), y: y - 6, width: Math.max(x(upper) - x(lower), 1), height: 12, class: "flex-range" }));
    svg.append(element("rect", { x: x(upper) - 5, y: y - 5, width: 10, height: 10, transform: `rotate(45 ${x(upper)} ${y})`, class: "flex-upper" }));
  }
  svg.append(element("circle", { cx: x(lower), cy: y, r: 6, class: "flex-lower" }));
}

async function showFlex(partner, name, freq) {
  const text = $("flex");
  $("flex-title").textContent = `Flexibility towards ${name} (${FREQ_WORDS[freq] || freq} periods)`;
  text.textContent = "Estimating…";
  try {
    if (!flexCache.has(freq)) flexCache.set(freq, getJSON(`/api/flex?focus=${focus}&freq=${freq}`));
    const result = await flexCache.get(freq);
    if ($("partner").value !== partner || $("freq").value !== freq) return;  // a newer choice is showing
    const row = (result.partners || []).find((item) => item.partner === partner && (item.subset || "all") === "all");
    if (!row) {
      text.textContent = `Not estimated: ${name} is not among the partners of the flexibility analysis.`;
      drawFlex({});
      return;
    }
    text.textContent = flexSentences(row, name).join(" ");
    drawFlex(row);
  } catch (error) {
    flexCache.delete(freq);
    text.textContent = `Could not estimate flexibility: ${error.message}`;
  }
}

function drawVotes(result) {
  // UN vote agreement per year (GET /api/votes): a line on a 0-100% scale, or the reason there is none.
  const svg = $("votes-chart");
  svg.replaceChildren();
  if (result.error) { $("votes-caption").textContent = `No UN votes: ${result.error}`; return; }
  const rows = result.rows.filter((row) => row.votes >= 10);
  if (!rows.length) { $("votes-caption").textContent = "No UN General Assembly roll call on which both voted."; return; }
  const width = 800, height = 160, left = 40, bottom = 18, top = 8;
  const step = (width - left - 10) / Math.max(rows.length - 1, 1);
  const y = (value) => top + (1 - value) * (height - top - bottom);
  const points = rows.map((row, index) => `${left + index * step},${y(row.agreement)}`).join(" ");
  svg.append(element("line", { x1: left, x2: width, y1: y(0), y2: y(0), class: "axis" }));
  svg.append(element("polyline", { points, class: "agreement" }));
  svg.append(element("text", { x: 2, y: y(1) + 10 }, "100%"));
  svg.append(element("text", { x: 2, y: y(0) }, "0%"));
  svg.append(element("text", { x: left, y: height - 2 }, String(rows[0].year)));
  svg.append(element("text", { x: width - 32, y: height - 2 }, String(rows[rows.length - 1].year)));
  const first = rows[0], last = rows[rows.length - 1];
  $("votes-caption").textContent = `Voted alike on ${Math.round(100 * first.agreement)}% of ${first.votes} shared roll calls in ${first.year}, ${Math.round(100 * last.agreement)}% of ${last.votes} in ${last.year} (${result.source}).`;
}

function drawWords(result) {
  // Rhetoric index per year (GET /api/rhetoric) on a -1..+1 scale, with goldstein_mean / 10 dashed.
  const svg = $("words-chart");
  svg.replaceChildren();
  // A store without texts has no words to show: the panel stays hidden (GET /api/rhetoric says why).
  $("words-panel").hidden = result.texts_loaded === 0;
  if (result.error || result.reason) { $("words-caption").textContent = `No words beside the deeds: ${result.error || result.reason}`; return; }
  const rows = result.rows.filter((row) => row.rhetoric_index !== null);
  if (!rows.length) { $("words-caption").textContent = "No loaded text is about this partner (dyadwatch ingest-texts)."; return; }
  const width = 800, height = 160, left = 40, bottom = 18, top = 8;
  const step = (width - left - 10) / Math.max(rows.length - 1, 1);
  const y = (value) => top + (1 - (value + 1) / 2) * (height - top - bottom);
  const words = rows.map((row, index) => `${left + index * step},${y(row.rhetoric_index)}`).join(" ");
  svg.append(element("line", { x1: left, x2: width, y1: y(0), y2: y(0), class: "axis" }));
  svg.append(element("polyline", { points: words, class: "agreement" }));
  const deeds = rows.map((row, index) => (row.goldstein_mean === null ? null : `${left + index * step},${y(row.goldstein_mean / 10)}`)).filter(Boolean);
  if (deeds.length > 1) svg.append(element("polyline", { points: deeds.join(" "), class: "agreement deeds" }));
  svg.append(element("text", { x: 2, y: y(1) + 10 }, "+1"));
  svg.append(element("text", { x: 2, y: y(-1) }, "−1"));
  svg.append(element("text", { x: left, y: height - 2 }, rows[0].period.slice(0, 4)));
  svg.append(element("text", { x: width - 32, y: height - 2 }, rows[rows.length - 1].period.slice(0, 4)));
  const texts = rows.reduce((sum, row) => sum + row.texts, 0);
  $("words-caption").textContent = `Rhetoric index of ${texts} texts, ${rows[0].period.slice(0, 4)}–${rows[rows.length - 1].period.slice(0, 4)} (${result.lexicon_version}); dashed: mean Goldstein score of the DPRK's events ÷ 10.`;
}

async function refresh() {
  const partner = $("partner").value;
  const freq = $("freq").value;
  $("status").textContent = "Loading…";
  try {
    const query = `a=${focus}&b=${encodeURIComponent(partner)}&freq=${freq}`;
    const votes = getJSON(`/api/votes?focus=${focus}&partners=${encodeURIComponent(partner)}`).catch((error) => ({ error: error.message }));
    const words = getJSON(`/api/rhetoric?focus=${focus}&partners=${encodeURIComponent(partner)}&freq=Y`).catch((error) => ({ error: error.message }));
    const [series, breaks, events] = await Promise.all([
      getJSON(`/api/series?${query}&undirected=true`),
      getJSON(`/api/breaks?${query}&metric=goldstein_sum&undirected=true`),
      getJSON(`/api/events?a=${focus}&b=${encodeURIComponent(partner)}&limit=500`),
    ]);
    $("chart-title").textContent = `DPRK – ${$("partner").selectedOptions[0].textContent}: cooperation and conflict`;
    drawChart(series.series, breaks.breaks || []);
    showBreaks(breaks);
    showEvents(events);
    drawVotes(await votes);
    drawWords(await words);
    $("status").textContent = `${events.count} events shown; ${series.series.length} periods.`;
    showFlex(partner, $("partner").selectedOptions[0].textContent, freq);
  } catch (error) {
    $("status").textContent = `Could not load: ${error.message}`;
  }
}

async function start() {
  const result = await getJSON(`/api/partners?focus=${focus}&min_events=5`);
  const select = $("partner");
  for (const partner of result.partners) select.append(new Option(partner.name, partner.code));
  select.addEventListener("change", refresh);
  $("freq").addEventListener("change", refresh);
  await refresh();
}

start().catch((error) => { $("status").textContent = `Could not start: ${error.message}`; });
