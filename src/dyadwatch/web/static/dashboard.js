// dyadwatch dashboard: plain JavaScript over the JSON API of this server; charts by plotly.js, which
// the server itself serves from the installed plotly package (/vendor/plotly.min.js): no network
// beyond this server. The view (partners, days, period, sources, counting) lives in the address bar
// with the same names as the API's selection (design §9), so a copied address reopens the same view.
"use strict";
const focus = "PRK";
const $ = (id) => document.getElementById(id);
const FREQ_WORDS = { Y: "yearly", Q: "quarterly", M: "monthly" };
const FREQ_MONTHS = { Y: 12, Q: 3, M: 1 };
// A bootstrap Wald p below this is a detectable lagged response: the level at which the test's size
// and power are measured (docs/validation.md), as in the report (narrative.RESPONSE_LEVEL).
const RESPONSE_LEVEL = 0.05;
const EVENT_LIMIT = 500;
const FLEX_DRAWS = 200;
const MIN_VOTES = 10;
const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
const COOPERATION = "#0072B2", CONFLICT = "#D55E00";
// Okabe-Ito colours, one per partner in the line charts (votes, words, flexibility).
const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];

const known = { partners: new Map(), sources: [], dyadicLast: null };
let generation = 0;  // each redraw counts up; an answer for an older one is dropped
const flexCache = new Map();

async function getJSON(url) {
  const response = await fetch(url);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function cell(row, content) {
  const td = document.createElement("td");
  if (content instanceof Node) td.append(content); else td.textContent = content;
  row.append(td);
  return td;
}

function item(list, text) {
  const li = document.createElement("li");
  li.textContent = text;
  list.append(li);
  return li;
}

function nameOf(code) {
  return known.partners.get(code) || code;
}

// For axis labels: "Russia (Soviet Union to 1991)" → "Russia".
function shortName(code) {
  return nameOf(code).replace(/ \(.*\)$/, "");
}

// A reference that is an address becomes a link (opened only when clicked); otherwise its text.
function referenceNode(reference) {
  if (!reference) return "";
  if (!/^https?:\/\/\S+$/.test(reference)) return reference;
  const link = document.createElement("a");
  link.href = reference;
  link.rel = "noopener noreferrer";
  link.textContent = reference;
  return link;
}

// ---- the view in the address bar ------------------------------------------------------------
// freq "" is the command line's default: the period chosen from the selected events
// (/api/default-freq, dyadwatch.selection.choose_freq), so that the same view asks the same question.
const DEFAULTS = { freq: "", normalize: "none" };

function readState(search) {
  const query = new URLSearchParams(search);
  const list = (name) => (query.get(name) || "").split(",").map((part) => part.trim()).filter(Boolean);
  return {
    partners: list("partners").map((code) => code.toUpperCase()),
    from: query.get("from") || "",
    to: query.get("to") || "",
    freq: query.get("freq") || DEFAULTS.freq,
    sources: list("source").map((name) => name.toLowerCase()),
    normalize: query.get("normalize") || DEFAULTS.normalize,
    dropStatements: ["1", "true", "yes", "on"].includes((query.get("drop_statements") || "").toLowerCase()),
    since: query.get("since") || "",
    period: query.get("period") || "",
    periodPartner: (query.get("period_partner") || "").toUpperCase(),
  };
}

function writeState(state) {
  const query = new URLSearchParams();
  if (state.partners.length) query.set("partners", state.partners.join(","));
  if (state.from) query.set("from", state.from);
  if (state.to) query.set("to", state.to);
  if (state.freq && state.freq !== DEFAULTS.freq) query.set("freq", state.freq);
  if (state.sources.length) query.set("source", state.sources.join(","));
  if (state.normalize !== DEFAULTS.normalize) query.set("normalize", state.normalize);
  if (state.dropStatements) query.set("drop_statements", "true");
  if (state.since) query.set("since", state.since);
  if (state.period && state.periodPartner) {
    query.set("period", state.period);
    query.set("period_partner", state.periodPartner);
  }
  return query.toString();
}

function checked(containerId) {
  return [...$(containerId).querySelectorAll("input[type=checkbox]:checked")].map((box) => box.value);
}

// Every source but the text-coded ones (KCNA's coded headlines): what no `source` reads (design §9).
function defaultSources() {
  return known.sources.filter((row) => !row.text_coded).map((row) => row.source);
}

function sameSources(a, b) {
  return a.length === b.length && a.every((name) => b.includes(name));
}

function stateFromControls(previous) {
  const sources = checked("sources");
  return {
    partners: checked("partners"),
    from: $("from").value,
    to: $("to").value,
    freq: $("freq").value,
    // the default (every source but the text-coded ones) keeps the address short
    sources: sameSources(sources, defaultSources()) ? [] : sources,
    normalize: $("normalize").value,
    dropStatements: $("drop-statements").checked,
    // the box shows the default day when none is chosen; that day stays out of the address
    since: $("since").value === $("since").dataset.auto ? "" : $("since").value,
    period: previous ? previous.period : "",
    periodPartner: previous ? previous.periodPartner : "",
  };
}

function applyState(state) {
  const notes = [];
  let partners = state.partners.filter((code) => known.partners.has(code));
  const unknownPartners = state.partners.filter((code) => !known.partners.has(code));
  if (unknownPartners.length) notes.push(`not among the DPRK's partners here: ${unknownPartners.join(", ")}`);
  if (!partners.length && known.partners.size) partners = [known.partners.keys().next().value];
  for (const box of $("partners").querySelectorAll("input")) box.checked = partners.includes(box.value);
  const names = known.sources.map((row) => row.source);
  const sources = state.sources.filter((name) => names.includes(name));
  const unknownSources = state.sources.filter((name) => !names.includes(name));
  if (unknownSources.length) notes.push(`no events from source ${unknownSources.join(", ")} in this store`);
  const ticked = sources.length ? sources : defaultSources();
  for (const box of $("sources").querySelectorAll("input")) box.checked = ticked.includes(box.value);
  const day = (text) => (/^\d{4}-\d{2}-\d{2}$/.test(text) ? text : "");
  $("from").value = day(state.from);
  $("to").value = day(state.to);
  $("since").value = day(state.since);
  $("freq").value = FREQ_MONTHS[state.freq] ? state.freq : DEFAULTS.freq;
  $("freq").options[0].textContent = "from the data";
  $("normalize").value = ["none", "focus", "all"].includes(state.normalize) ? state.normalize : DEFAULTS.normalize;
  $("drop-statements").checked = state.dropStatements;
  return notes;
}

// The selection's query parameters (design §9), as every analysis endpoint reads them.
function selectionParams(state) {
  const query = new URLSearchParams();
  if (state.freq) query.set("freq", state.freq);
  if (state.from) query.set("from", state.from);
  if (state.to) query.set("to", state.to);
  if (state.sources.length) query.set("source", state.sources.join(","));
  if (state.normalize !== "none") query.set("normalize", state.normalize);
  if (state.dropStatements) query.set("drop_statements", "true");
  return query;
}

function withParams(path, params, extra) {
  const query = new URLSearchParams(params);
  for (const [key, value] of Object.entries(extra || {})) query.set(key, value);
  return `${path}?${query}`;
}

// ---- periods ----------------------------------------------------------------------------------
function shiftMonths(day, months) {
  const date = new Date(`${day}T00:00:00Z`);
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1)).toISOString().slice(0, 10);
}

function periodEnd(start, freq) {
  const date = new Date(`${start}T00:00:00Z`);
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + FREQ_MONTHS[freq], 0)).toISOString().slice(0, 10);
}

function shiftDays(day, days) {
  const date = new Date(`${day}T00:00:00Z`);
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + days)).toISOString().slice(0, 10);
}

function monthIndex(day) {
  return Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7)) - 1;
}

// A date axis for values dated by the first day of their periods: ticks on period starts, a whole
// number of periods apart (at most about a dozen), labelled at the period's resolution ("2017" for
// years, "Jan 2017" for months and quarters: never a time of day), and a range that extends past the
// first and last periods, so that a single period is shown as a period, not an instant. With
// `bars`, the range ends with the last period (bars span their period); else half a period around.
function periodAxis(days, freq, bars) {
  const months = FREQ_MONTHS[freq] || 1;
  const sorted = [...new Set(days)].sort();
  const axis = { type: "date", hoverformat: months === 12 ? "%Y" : "%b %Y" };
  if (!sorted.length) return axis;
  const first = sorted[0], last = sorted[sorted.length - 1];
  const span = monthIndex(last) - monthIndex(first) + months;
  const step = [1, 3, 6, 12, 24, 60, 120, 240].find((m) => m >= months && m % months === 0 && span / m <= 12) || 240;
  axis.tick0 = first;
  axis.dtick = `M${step}`;
  axis.tickformat = step % 12 === 0 ? "%Y" : "%b %Y";
  const half = Math.round((months * 365) / 24);
  axis.range = bars ? [first, shiftMonths(last, months)] : [shiftDays(first, -half), shiftDays(last, half)];
  return axis;
}

function periodLabel(start, freq) {
  if (freq === "Y") return start.slice(0, 4);
  if (freq === "Q") return `${start.slice(0, 4)} Q${Math.floor((Number(start.slice(5, 7)) - 1) / 3) + 1}`;
  return start.slice(0, 7);
}

// ---- the chart of regimes ---------------------------------------------------------------------
function ink() {
  return getComputedStyle(document.body).color;
}

function baseLayout(height) {
  return {
    height,
    margin: { l: 70, r: 20, t: 10, b: 40 },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { color: ink(), family: "DejaVu Sans, Arial, sans-serif", size: 12 },
    hovermode: "closest",
  };
}

function drawChart(state, answers) {
  const rows = answers.length;
  const gap = rows > 1 ? 0.06 : 0;
  const share = (1 - gap * (rows - 1)) / rows;
  const layout = baseLayout(90 + 190 * rows);
  layout.showlegend = false;
  layout.bargap = 0.15;
  layout.shapes = [];
  const traces = [];
  answers.forEach(({ partner, series, breaks }, index) => {
    const axis = index ? `y${index + 1}` : "y";
    const top = 1 - index * (share + gap);
    layout[index ? `yaxis${index + 1}` : "yaxis"] = {
      domain: [Math.max(top - share, 0), top],
      title: { text: shortName(partner) },
      zeroline: true,
      fixedrange: true,
    };
    const periods = series.series;
    traces.push({
      type: "bar",
      name: nameOf(partner),
      x: periods.map((row) => row.period),
      y: periods.map((row) => row.goldstein_sum),
      xaxis: "x",
      yaxis: axis,
      // bars span their whole period (month, quarter or year), starting on its first day
      xperiod: `M${FREQ_MONTHS[state.freq]}`,
      xperiodalignment: "middle",
      marker: { color: periods.map((row) => (row.goldstein_sum >= 0 ? COOPERATION : CONFLICT)) },
      customdata: periods.map((row) => [partner, row.period, periodLabel(row.period, state.freq), row.events, row.cooperation, row.conflict]),
      hovertemplate: `${nameOf(partner)}, %{customdata[2]}<br>net cooperation %{y:.1f}<br>%{customdata[3]} events: %{customdata[4]} cooperative, %{customdata[5]} conflictual<br>click for the events<extra></extra>`,
    });
    const x = [], y = [];
    for (const segment of breaks.segments || []) {
      x.push(segment.start, shiftMonths(segment.end, FREQ_MONTHS[state.freq]), null);
      y.push(segment.mean, segment.mean, null);
    }
    if (x.length) {
      traces.push({ type: "scatter", mode: "lines", x, y, xaxis: "x", yaxis: axis, hoverinfo: "skip", line: { color: ink(), width: 2 }, name: "regime mean" });
    }
    for (const change of breaks.breaks || []) {
      layout.shapes.push({ type: "line", xref: "x", yref: `${axis} domain`, x0: change.date, x1: change.date, y0: 0, y1: 1, line: { color: ink(), width: 1, dash: "dot" } });
    }
  });
  const allPeriods = answers.flatMap(({ series }) => series.series.map((row) => row.period));
  layout.xaxis = { ...periodAxis(allPeriods, state.freq, true), anchor: rows > 1 ? `y${rows}` : "y" };
  if (state.from || state.to) layout.xaxis.range = [state.from || undefined, state.to || undefined];
  const chart = $("chart");
  Plotly.react(chart, traces, layout, PLOT_CONFIG);
  if (!chart.dataset.clickable) {
    chart.dataset.clickable = "true";
    chart.on("plotly_click", (event) => {
      const point = event.points.find((p) => Array.isArray(p.customdata));
      if (point) choosePeriod(point.customdata[0], point.customdata[1]);
    });
  }
}

// Each partner's answer in the analysis's own words (its `summary`: the breaks found, or that there
// are none with the strongest candidate, or why there is no answer), the events near each break,
// and the method's notes: nothing here is a sentence of its own about how breaks are found.
function showBreaks(answers) {
  const list = $("breaks");
  list.replaceChildren();
  for (const { partner, breaks } of answers) {
    const said = breaks.summary || (breaks.reason ? `No answer: ${breaks.reason}.` : "The analysis gave no answer.");
    const li = item(list, `${nameOf(partner)}: ${said}`);
    li.dataset.partner = partner;
    const near = (breaks.breaks || []).filter((change) => change.nearby_events && change.nearby_events.length);
    if (near.length) {
      const inner = document.createElement("ul");
      for (const change of near) item(inner, `${change.date}, around then: ${change.nearby_events[0].summary}`);
      li.append(inner);
    }
    if ((breaks.notes || []).length) {
      const details = document.createElement("details");
      const summary = document.createElement("summary");
      summary.textContent = "how this was found";
      const inner = document.createElement("ul");
      for (const note of breaks.notes) item(inner, note);
      details.append(summary, inner);
      li.append(details);
    }
  }
}

// ---- a period's events -------------------------------------------------------------------------
function choosePeriod(partner, start) {
  state.period = start;
  state.periodPartner = partner;
  remember();
  if (shown) showPeriod({ ...shown, period: start, periodPartner: partner }, generation);
}

async function showPeriod(view, mine) {
  const body = $("events");
  if (!view.period || !view.partners.includes(view.periodPartner)) {
    body.replaceChildren();
    $("events-title").textContent = "Events";
    $("events-note").textContent = "Click a bar in the chart to list that period's events.";
    return;
  }
  // the period, cut to the chosen days
  let from = view.period, to = periodEnd(view.period, view.freq);
  if (view.from && view.from > from) from = view.from;
  if (view.to && view.to < to) to = view.to;
  const label = periodLabel(view.period, view.freq);
  const name = nameOf(view.periodPartner);
  $("events-title").textContent = `Events: the DPRK and ${name}, ${label}`;
  $("events-note").textContent = "Loading…";
  const extra = { a: focus, b: view.periodPartner, from, to, limit: String(EVENT_LIMIT) };
  if (view.sources.length) extra.source = view.sources.join(",");
  try {
    const result = await getJSON(withParams("/api/events", {}, extra));
    if (mine !== generation || view.period !== state.period || view.periodPartner !== state.periodPartner) return;
    body.replaceChildren();
    for (const event of result.events) {
      const row = document.createElement("tr");
      cell(row, event.date);
      cell(row, `${event.actor1} → ${event.actor2 || "—"}`);
      cell(row, event.summary || event.event_code || "");
      cell(row, event.source);
      cell(row, referenceNode(event.reference));
      body.append(row);
    }
    const more = result.count >= EVENT_LIMIT ? ` (the first ${EVENT_LIMIT})` : "";
    $("events-note").textContent = result.count
      ? `${result.count} events from ${from} to ${to}${more}, oldest first.`
      : `No events between the DPRK and ${name} from ${from} to ${to} in the chosen sources.`;
  } catch (error) {
    $("events-note").textContent = `Could not list the events: ${error.message}`;
  }
}

// ---- flexibility: the lagged-response test and two readings (design §8) ---------------------------
// `lagged_response_p` (bootstrap Wald test) answers "does the DPRK respond to the partner's past at
// all?". `focus_first` and `partner_first` are two readings of the partner's share of the DPRK's
// forecast-error variance, differing only in whom same-period moves are credited to: neither is a
// floor or a ceiling for the other. `co_movement` is shared same-period reporting, credited to
// neither side. A row whose `status` is not ok shows its `reason` instead of numbers. The
// deprecated aliases are never read.
const DATA_LIMIT_WORDS = { insufficient_data: "too little data", unstable: "the estimate is unstable" };
const FREQ_UNITS = { Y: "year", Q: "quarter", M: "month" };

function finite(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function pct(value) {
  return `${Math.round(100 * value)}%`;
}

function interval(low, high) {
  return finite(low) !== null && finite(high) !== null ? `${pct(low)}–${pct(high)}` : null;
}

// Three decimals below 0.1, so that a p just under the 5% level never reads as "0.05".
function waldP(p) {
  if (p < 0.001) return "p < 0.001";
  return `p = ${p < 0.1 ? p.toFixed(3) : p.toFixed(2)}`;
}

function signed(value) {
  return finite(value) === null ? "—" : `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(2)}`;
}

// Whether the test rejects at RESPONSE_LEVEL; null when the row was not tested.
function responds(row) {
  const p = finite(row.lagged_response_p);
  if ((row.status || "ok") !== "ok" || p === null) return null;
  return p < RESPONSE_LEVEL;
}

function tested(row) {
  return (row.status || "ok") === "ok" && finite(row.focus_first) !== null;
}

function reading(row, key) {
  const span = interval(row[`${key}_ci_low`], row[`${key}_ci_high`]);
  return `${pct(row[key])}${span ? ` (90% interval ${span})` : ""}`;
}

function flipSentence(row, name, freq) {
  const flips = row.sign_flip || [];
  const byFreq = row.responsiveness_by_freq || {};
  if (!flips.length || !flips.every((f) => byFreq[f])) return null;
  const said = (f) => `${signed(byFreq[f].responsiveness)} by ${FREQ_UNITS[f] || f} (90% interval ${signed(byFreq[f].ci_low)} to ${signed(byFreq[f].ci_high)})`;
  const own = byFreq[freq] ? `${said(freq)} but ` : "";
  return `The sign of the response to ${name} flips with the aggregation interval: responsiveness is ${own}${flips.map(said).join(" and ")}, each interval excluding zero; read neither alone.`;
}

function flexSentences(row, name, horizon, freq) {
  if (!tested(row)) {
    const words = DATA_LIMIT_WORDS[row.status] || (row.status || "not estimated").replace(/_/g, " ");
    return [`Not tested (${words}): ${row.reason || "the analysis gave no reason"}.`];
  }
  const sentences = [];
  const p = finite(row.lagged_response_p);
  if (p === null) {
    sentences.push(`The lagged-response test could not be computed for ${name}.`);
  } else if (p < RESPONSE_LEVEL) {
    sentences.push(`The DPRK's events towards ${name} respond to ${name}'s past events (bootstrap Wald ${waldP(p)}).`);
    const [low, high] = [finite(row.responsiveness_ci_low), finite(row.responsiveness_ci_high)];
    if (finite(row.responsiveness) !== null && low !== null && high !== null) {
      const said = `responsiveness ${signed(row.responsiveness)}, 90% interval ${signed(low)} to ${signed(high)}`;
      sentences.push(low > 0 ? `It reciprocates: more cooperation from ${name} is followed by more from the DPRK (${said}).`
        : high < 0 ? `It runs the other way: more cooperation from ${name} is followed by less from the DPRK (${said}).`
          : `Its direction is not clear (${said}).`);
    }
  } else {
    sentences.push(`The DPRK's events towards ${name} show no detectable response to ${name}'s past events (bootstrap Wald ${waldP(p)}).`);
  }
  const ahead = Number.isInteger(horizon) && FREQ_UNITS[freq] ? ` ${horizon} ${FREQ_UNITS[freq]}s ahead` : "";
  const periods = Number.isInteger(row.n_periods) ? `; estimated from ${row.n_periods} ${FREQ_UNITS[freq] ? `${FREQ_UNITS[freq]}s` : "periods"}` : "";
  sentences.push(`Read two ways, ${name}'s behaviour accounts for ${reading(row, "focus_first")} of the forecast-error variance of the DPRK's net cooperation towards ${name}${ahead} if the DPRK's same-period moves are counted as its own, and ${finite(row.partner_first) === null ? "an unknown share" : reading(row, "partner_first")} if they are credited to ${name}${periods}.`);
  const co = finite(row.co_movement);
  if (co !== null) {
    sentences.push(`The two directions' surprises move together within a period (co-movement ${co.toFixed(2)}): shared same-period reporting, such as joint meetings or one event reported from both sides, which the data cannot attribute to either side.`);
  }
  const flip = flipSentence(row, name, freq);
  if (flip) sentences.push(flip);
  return sentences;
}

// The chosen partners' tests in one sentence: only partners with a detectable response are ranked,
// smallest p first; how many were tested, and that the p-values are unadjusted (the API offers no
// multiple-testing adjustment).
function flexSummary(rows) {
  const done = rows.filter((row) => responds(row) !== null)
    .sort((a, b) => a.lagged_response_p - b.lagged_response_p);
  if (!done.length) return "No chosen partner has enough data to test whether the DPRK responds to its past events.";
  const named = (row) => `${nameOf(row.partner)} (${waldP(row.lagged_response_p)})`;
  const listed = (items) => (items.length === 1 ? named(items[0]) : `${items.slice(0, -1).map(named).join(", ")} and ${named(items[items.length - 1])}`);
  const level = pct(RESPONSE_LEVEL);
  const count = done.length;
  const partners = count === 1 ? "the one chosen partner tested" : `the ${count} chosen partners tested`;
  const unadjusted = count > 1
    ? `the p-values are not adjusted for testing ${count} partners: if none responded, the chance that at least one of ${count} tests passes at ${level} would be ${pct(1 - (1 - RESPONSE_LEVEL) ** count)}`
    : "one partner tested, so no adjustment for multiple tests applies";
  const detected = done.filter((row) => responds(row));
  if (!detected.length) {
    return `The DPRK's events show no detectable response to the past events of any of ${partners} (bootstrap Wald test at ${level}: ${listed(done)}; ${unadjusted}).`;
  }
  const rest = done.filter((row) => !responds(row));
  return `Ranked by the bootstrap Wald test, the DPRK's events respond detectably (at ${level}) to the past events of ${count === 1 ? partners : `${detected.length} of ${partners}`}: ${listed(detected)}${rest.length ? `; no detectable response to ${listed(rest)}` : ""}. ${unadjusted[0].toUpperCase()}${unadjusted.slice(1)}.`;
}

function flexTable(rows) {
  const body = $("flex-rows");
  body.replaceChildren();
  const number = (value, digits) => (finite(value) === null ? "—" : value.toFixed(digits));
  const share = (value) => (finite(value) === null ? "—" : pct(value));
  for (const row of rows) {
    const tr = document.createElement("tr");
    tr.dataset.partner = row.partner;
    tr.dataset.status = row.status || "ok";
    cell(tr, nameOf(row.partner));
    cell(tr, Number.isInteger(row.n_periods) ? String(row.n_periods) : "—");
    if (!tested(row)) {
      const words = DATA_LIMIT_WORDS[row.status] || "not estimated";
      cell(tr, `Not tested (${words}): ${row.reason || "the analysis gave no reason"}`).colSpan = 6;
      body.append(tr);
      continue;
    }
    const p = finite(row.lagged_response_p);
    cell(tr, p === null ? "not tested" : `${waldP(p)}, ${responds(row) ? "detectable" : "none detectable"}`);
    cell(tr, share(row.focus_first));
    cell(tr, interval(row.focus_first_ci_low, row.focus_first_ci_high) || "—");
    cell(tr, share(row.partner_first));
    cell(tr, interval(row.partner_first_ci_low, row.partner_first_ci_high) || "—");
    cell(tr, number(row.co_movement, 2));
    body.append(tr);
  }
}

// Two markers per partner and no band between them: the readings are not the ends of a range.
function drawFlex(rows) {
  const estimated = rows.filter(tested);
  const chart = $("flex-chart");
  if (!estimated.length) { Plotly.purge(chart); chart.hidden = true; return; }
  chart.hidden = false;
  const names = estimated.map((row) => `${shortName(row.partner)} (${finite(row.lagged_response_p) === null ? "not tested" : waldP(row.lagged_response_p)})`);
  const whisker = (value, low, high) => ({
    type: "data", symmetric: false, color: ink(), thickness: 1, width: 4,
    array: [finite(high) === null ? 0 : high - value], arrayminus: [finite(low) === null ? 0 : value - low],
  });
  const traces = [];
  estimated.forEach((row, index) => {
    const name = names[index];
    if (finite(row.partner_first) !== null) {
      traces.push({ type: "scatter", mode: "markers", x: [row.partner_first], y: [name], marker: { symbol: "diamond-open", size: 12, color: COOPERATION }, error_x: whisker(row.partner_first, row.partner_first_ci_low, row.partner_first_ci_high), hovertemplate: `${name}: partner first (same-period moves credited to the partner) %{x:.0%}<extra></extra>` });
    }
    traces.push({ type: "scatter", mode: "markers", x: [row.focus_first], y: [name], marker: { symbol: "circle", size: 10, color: ink() }, error_x: whisker(row.focus_first, row.focus_first_ci_low, row.focus_first_ci_high), hovertemplate: `${name}: focus first (the DPRK's same-period moves its own) %{x:.0%}<extra></extra>` });
  });
  const layout = baseLayout(60 + 45 * estimated.length);
  layout.showlegend = false;
  layout.xaxis = { range: [0, 1], tickformat: ".0%", zeroline: false, fixedrange: true };
  layout.yaxis = { type: "category", categoryorder: "array", categoryarray: [...names].reverse(), fixedrange: true, automargin: true };
  Plotly.react(chart, traces, layout, PLOT_CONFIG);
}

async function showFlex(view, mine) {
  const list = $("flex");
  const freqWord = FREQ_WORDS[view.freq] || view.freq;
  $("flex-title").textContent = `Flexibility (${freqWord} periods)`;
  list.replaceChildren();
  item(list, "Estimating…");
  const url = withParams("/api/flex", selectionParams(view), { focus, partners: view.partners.join(","), draws: String(FLEX_DRAWS) });
  try {
    if (!flexCache.has(url)) flexCache.set(url, getJSON(url));
    const result = await flexCache.get(url);
    if (mine !== generation) return;  // a newer view is showing
    const rows = view.partners.map((code) => (result.partners || []).find((row) => row.partner === code && (row.subset || "all") === "all")
      || { partner: code, status: "insufficient_data", reason: `${nameOf(code)} is not among the partners of the flexibility analysis` });
    // tested partners by their test (smallest p first), then the others: never by a share
    rows.sort((a, b) => (responds(a) === null) - (responds(b) === null) || (finite(a.lagged_response_p) ?? 2) - (finite(b.lagged_response_p) ?? 2));
    flexTable(rows);
    drawFlex(rows);
    list.replaceChildren();
    item(list, flexSummary(rows)).className = "summary";
    for (const row of rows) item(list, `${nameOf(row.partner)}: ${flexSentences(row, nameOf(row.partner), result.horizon, result.freq).join(" ")}`);
  } catch (error) {
    flexCache.delete(url);
    if (mine !== generation) return;
    list.replaceChildren();
    item(list, `Could not estimate flexibility: ${error.message}`);
  }
}

// ---- shifts since a day ---------------------------------------------------------------------------
const SHIFT_WORDS = {
  rising_partner: "rising", falling_partner: "falling", new_partner: "new partner",
  multilateral_event: "multilateral", realignment: "realignment",
};

function defaultSince(view) {
  // the first of January of the last year shown
  const end = view.to && (!known.dyadicLast || view.to < known.dyadicLast) ? view.to : known.dyadicLast;
  return end ? `${end.slice(0, 4)}-01-01` : "";
}

// One line per chosen partner from the answer's rate tests (`partners`): its status with the rates,
// their ratio and the adjusted p, or why it was not tested; a partner missing from the answer says so.
function partnerShiftLine(row, result, name) {
  if (!row) return `${name}: no events with the DPRK from ${result.baseline_from} to ${result.until} in this selection.`;
  if (row.status === "insufficient_data" || finite(row.rate_ratio) === null) return `${name}: not tested: ${row.reason || "too little data"}.`;
  const unit = FREQ_UNITS[result.freq] || "period";
  const rates = `${row.recent_rate.toFixed(2)} events a ${unit} since ${result.since} against ${row.baseline_rate.toFixed(2)} from ${result.baseline_from}`;
  const ratio = finite(row.rate_ratio) ? `${row.rate_ratio.toFixed(1)} times the baseline` : "";
  const p = finite(row.p_adjusted) === null ? "" : `, adjusted p = ${row.p_adjusted < 0.001 ? "< 0.001" : row.p_adjusted.toPrecision(2)}`;
  const verdict = row.status === "steady" ? `no detectable rise or fall at α = ${result.alpha}` : row.status;
  return `${name}: ${verdict} (${rates}: ${ratio}${p}; ${row.recent_events} events in the recent window, ${row.baseline_events} in the baseline).`;
}

async function showShifts(view, mine) {
  const list = $("shifts"), note = $("shifts-note"), partnerList = $("shifts-partners");
  list.replaceChildren();
  partnerList.replaceChildren();
  const since = view.since || defaultSince(view);
  // the default day is shown in the box itself (and kept out of the address: see stateFromControls)
  $("since").dataset.auto = view.since ? "" : since;
  if (!view.since) $("since").value = since;
  const end = view.to && (!known.dyadicLast || view.to < known.dyadicLast) ? view.to : known.dyadicLast;
  if (!since || !end) { note.textContent = "No dyadic events of the DPRK in this store."; return; }
  if (since > end) { note.textContent = `Choose a day on or before ${end}, the last day with events in this view.`; return; }
  if (view.from && since <= view.from) { note.textContent = `Choose a day after ${view.from}: the shifts compare the time since that day with the years before it.`; return; }
  note.textContent = `Looking for shifts since ${since}…`;
  try {
    // a period chosen here is asked for; none: the command's own default (dyadwatch shifts), monthly
    const result = await getJSON(withParams("/api/shifts", selectionParams({ ...view, freq: view.asked }), { focus, since }));
    if (mine !== generation) return;
    const chosen = (shift) => (shift.partners || [shift.partner]).some((code) => view.partners.includes(code));
    const shifts = [...result.shifts].sort((a, b) => Number(chosen(b)) - Number(chosen(a)));
    note.textContent = `${shifts.length ? shifts.length : "No"} shifts in the DPRK's relations from ${result.since} to ${result.until} against the baseline from ${result.baseline_from}, by ${FREQ_UNITS[result.freq] || result.freq}${shifts.length ? "; those with the chosen partners first" : ""}.${(result.notes || []).length ? ` Notes: ${result.notes.join("; ")}.` : ""}`;
    for (const code of view.partners) {
      const row = (result.partners || []).find((candidate) => candidate.partner === code);
      const li = item(partnerList, partnerShiftLine(row, result, nameOf(code)));
      li.dataset.partner = code;
      li.dataset.status = row ? row.status : "absent";
    }
    for (const shift of shifts) {
      const li = item(list, `${SHIFT_WORDS[shift.kind] || shift.kind}: ${shift.summary}`);
      if (chosen(shift)) li.classList.add("chosen");
      const evidence = (shift.evidence && shift.evidence.events) || [];
      if (evidence.length) {
        const details = document.createElement("details");
        const summary = document.createElement("summary");
        summary.textContent = `${evidence.length} events`;
        const inner = document.createElement("ul");
        for (const event of evidence) {
          const line = item(inner, `${event.date} ${event.actor1} → ${event.actor2 || "—"}: ${event.summary || event.event_code}`);
          if (event.reference) { line.append(" — "); line.append(referenceNode(event.reference)); }
        }
        details.append(summary, inner);
        li.append(details);
      }
    }
  } catch (error) {
    if (mine === generation) note.textContent = `Could not look for shifts: ${error.message}`;
  }
}

// ---- UN votes and words: shown only when the store has that evidence for the chosen partners ----
function inRange(year, view) {
  return (!view.from || year >= Number(view.from.slice(0, 4))) && (!view.to || year <= Number(view.to.slice(0, 4)));
}

function lineChart(id, byPartner, yaxis, freq) {
  const traces = [...byPartner.entries()].map(([partner, points], index) => ({
    type: "scatter", mode: "lines+markers", name: nameOf(partner),
    x: points.map((p) => p.x), y: points.map((p) => p.y),
    line: { color: PALETTE[index % PALETTE.length], width: 2 }, marker: { size: 4 },
  }));
  const layout = baseLayout(240);
  layout.showlegend = true;
  layout.legend = { orientation: "h", y: 1.15 };
  layout.xaxis = periodAxis([...byPartner.values()].flatMap((points) => points.map((p) => p.x)), freq);
  layout.yaxis = yaxis;
  Plotly.react($(id), traces, layout, PLOT_CONFIG);
}

async function showVotes(view, mine) {
  const panel = $("votes-panel");
  try {
    const result = await getJSON(withParams("/api/votes", {}, { focus, partners: view.partners.join(",") }));
    if (mine !== generation) return;
    const byPartner = new Map();
    for (const row of result.rows) {
      if (row.issue !== "all" || row.votes < MIN_VOTES || !inRange(row.year, view)) continue;
      if (!byPartner.has(row.partner)) byPartner.set(row.partner, []);
      byPartner.get(row.partner).push({ x: `${row.year}-01-01`, y: row.agreement });
    }
    panel.hidden = byPartner.size === 0;
    if (panel.hidden) return;
    // one point a year, whatever the view's period
    lineChart("votes-chart", byPartner, { range: [0, 1], tickformat: ".0%", fixedrange: true, title: { text: "voted alike" } }, "Y");
    const missing = view.partners.filter((code) => !byPartner.has(code)).map(nameOf);
    $("votes-caption").textContent = `Share of UN General Assembly roll calls per year on which the DPRK and each partner voted alike (years with fewer than ${MIN_VOTES} shared roll calls left out; ${result.source}).${missing.length ? ` No shared roll calls with ${missing.join(", ")}.` : ""}`;
  } catch (error) {
    if (mine !== generation) return;
    panel.hidden = false;
    Plotly.purge($("votes-chart"));
    $("votes-caption").textContent = `No UN votes: ${error.message}`;
  }
}

async function showWords(view, mine) {
  const panel = $("words-panel");
  try {
    // a period chosen here is asked for; none: the command's own default (dyadwatch rhetoric)
    const params = { focus, partners: view.partners.join(",") };
    if (view.asked) params.freq = view.asked;
    if (view.from) params.from = view.from;
    if (view.to) params.to = view.to;
    const result = await getJSON(withParams("/api/rhetoric", {}, params));
    if (mine !== generation) return;
    // A store without texts has no words to show: the panel stays hidden (the answer says why).
    if (result.texts_loaded === 0) { panel.hidden = true; return; }
    const byPartner = new Map();
    let texts = 0;
    for (const row of result.rows) {
      if (row.rhetoric_index === null || !inRange(Number(row.period.slice(0, 4)), view)) continue;
      if (!byPartner.has(row.partner)) byPartner.set(row.partner, []);
      byPartner.get(row.partner).push({ x: row.period, y: row.rhetoric_index });
      texts += row.texts;
    }
    panel.hidden = false;
    if (!byPartner.size) {
      Plotly.purge($("words-chart"));
      $("words-caption").textContent = "No loaded text is about the chosen partners in these years (dyadwatch ingest-texts).";
      return;
    }
    lineChart("words-chart", byPartner, { range: [-1.05, 1.05], fixedrange: true, title: { text: "rhetoric index" } }, result.freq);
    $("words-caption").textContent = `Rhetoric index of state media toward each partner per ${FREQ_UNITS[result.freq] || result.freq}, from ${texts} texts (−1 all pragmatic terms, +1 all ideological; ${result.lexicon_version}).`;
  } catch (error) {
    if (mine !== generation) return;
    panel.hidden = false;
    Plotly.purge($("words-chart"));
    $("words-caption").textContent = `No words beside the deeds: ${error.message}`;
  }
}

// ---- delegations reported by KCNA: shown only when the store has events coded from KCNA's texts ----
async function showDelegations(view, mine) {
  const panel = $("delegations-panel");
  try {
    const params = { focus, partners: view.partners.join(",") };
    if (view.from) params.from = view.from;
    if (view.to) params.to = view.to;
    const result = await getJSON(withParams("/api/delegations", {}, params));
    if (mine !== generation) return;
    // No coded KCNA events (or none with these partners): the panel stays hidden; the answer says why.
    if (!result.rows.length) { panel.hidden = true; return; }
    const visits = new Map(); // partner -> way -> year -> visits
    for (const row of result.rows) {
      if (!visits.has(row.partner)) visits.set(row.partner, { received: new Map(), sent: new Map() });
      const byYear = visits.get(row.partner)[row.way];
      byYear.set(row.year, (byYear.get(row.year) || 0) + row.visits);
    }
    const traces = [];
    let received = 0;
    let sent = 0;
    [...visits.entries()].forEach(([partner, ways], index) => {
      for (const [way, sign] of [["received", 1], ["sent", -1]]) {
        const years = [...ways[way].keys()].sort((a, b) => a - b);
        if (!years.length) continue;
        const counts = years.map((year) => ways[way].get(year));
        if (way === "received") received += counts.reduce((a, b) => a + b, 0);
        else sent += counts.reduce((a, b) => a + b, 0);
        traces.push({
          type: "bar", name: `${nameOf(partner)}, ${way}`, x: years.map((year) => `${year}-01-01`),
          xperiod: "M12", xperiodalignment: "middle",
          y: counts.map((n) => sign * n), marker: { color: PALETTE[index % PALETTE.length], opacity: sign > 0 ? 1 : 0.55 },
          hovertemplate: `${nameOf(partner)} ${way}: %{customdata} visit(s) in %{x|%Y}<extra></extra>`, customdata: counts,
        });
      }
    });
    const layout = baseLayout(260);
    layout.barmode = "relative";
    layout.showlegend = true;
    layout.legend = { orientation: "h", y: 1.2 };
    layout.xaxis = periodAxis(traces.flatMap((trace) => trace.x), "Y", true);
    layout.yaxis = { title: { text: "visits (sent below 0)" }, fixedrange: true };
    panel.hidden = false;
    Plotly.react($("delegations-chart"), traces, layout, PLOT_CONFIG);
    $("delegations-caption").textContent = `Delegations per year as KCNA reported them: ${received} received by the DPRK (above the line), ${sent} sent (below), for ${visits.size} of the chosen partners (items of one partner, way and kind within a week count as one visit; dyadwatch delegations ${focus}).`;
  } catch (error) {
    if (mine !== generation) return;
    panel.hidden = false;
    Plotly.purge($("delegations-chart"));
    $("delegations-caption").textContent = `No delegations: ${error.message}`;
  }
}

// ---- putting it together ------------------------------------------------------------------------
let state = readState(window.location.search);
let shown = null;  // the view drawn last, with its period resolved (state.freq "" is chosen from the data)

function remember() {
  const query = writeState(state);
  if (query !== window.location.search.replace(/^\?/, "")) {
    window.history.pushState(null, "", query ? `?${query}` : window.location.pathname);
  }
}

function problems(view) {
  if (!view.partners.length) return "Choose at least one partner.";
  if (!checked("sources").length) return "Choose at least one source.";
  if (view.from && view.to && view.from > view.to) return `The first day (${view.from}) is after the last (${view.to}).`;
  return null;
}

// The period of a view that names none: the one the command line picks for these partners and
// events (both directions, as the chart shows them), with its reason in words.
async function resolvePeriod(view) {
  $("freq").options[0].textContent = "from the data";
  if (view.freq) return { ...view, asked: view.freq, freqReason: "" };
  const extra = { focus, partners: view.partners.join(","), undirected: "true" };
  const chosen = await getJSON(withParams("/api/default-freq", selectionParams(view), extra));
  $("freq").options[0].textContent = `from the data (${FREQ_WORDS[chosen.freq]})`;
  return { ...view, asked: "", freq: chosen.freq, freqReason: chosen.reason.replace(/ \(--freq [^)]*\)$/, "") };
}

async function refresh(notes) {
  const mine = ++generation;
  const status = $("status");
  status.dataset.ready = "false";
  const problem = problems(state);
  if (problem) { status.textContent = problem; return; }
  status.textContent = "Loading…";
  try {
    const view = await resolvePeriod(state);
    if (mine !== generation) return;
    shown = view;
    const params = selectionParams(view);
    const answers = await Promise.all(view.partners.map(async (partner) => {
      const pair = { a: focus, b: partner, undirected: "true" };
      const [series, breaks] = await Promise.all([
        getJSON(withParams("/api/series", params, pair)),
        getJSON(withParams("/api/breaks", params, { ...pair, metric: "goldstein_sum" })),
      ]);
      return { partner, series, breaks };
    }));
    if (mine !== generation) return;
    const names = view.partners.map(nameOf);
    $("chart-title").textContent = `The DPRK and ${names.join(", ")}: cooperation and conflict`;
    drawChart(view, answers);
    showBreaks(answers);
    const periods = Math.max(0, ...answers.map((answer) => answer.series.series.length));
    const events = answers.reduce((sum, answer) => sum + answer.series.series.reduce((total, row) => total + row.events, 0), 0);
    const why = view.freqReason ? ` Period chosen from the data: ${view.freqReason}; choose another above.` : "";
    status.textContent = `${names.length} partner${names.length > 1 ? "s" : ""}, ${periods} ${FREQ_WORDS[view.freq]} periods, ${events} events.${why}${notes && notes.length ? ` Left out of the address: ${notes.join("; ")}.` : ""}`;
    status.dataset.ready = "true";
    showPeriod(view, mine);
    showFlex(view, mine);
    showShifts(view, mine);
    showVotes(view, mine);
    showWords(view, mine);
    showDelegations(view, mine);
  } catch (error) {
    if (mine === generation) status.textContent = `Could not load: ${error.message}`;
  }
}

function onChange() {
  const next = stateFromControls(state);
  // a clicked period stays listed while its partner is shown and the periods keep their length
  if (next.freq !== state.freq || !next.partners.includes(next.periodPartner)) { next.period = ""; next.periodPartner = ""; }
  state = next;
  remember();
  refresh();
}

function checkbox(container, value, label) {
  const box = document.createElement("input");
  box.type = "checkbox";
  box.value = value;
  box.name = container.id;
  const wrap = document.createElement("label");
  wrap.append(box, ` ${label}`);
  container.append(wrap);
}

async function start() {
  if (typeof Plotly === "undefined") throw new Error("the charting library did not load from /vendor/plotly.min.js (is the plotly package installed?)");
  const [partners, sources] = await Promise.all([
    getJSON(`/api/partners?focus=${focus}&min_events=5`),
    getJSON(`/api/sources?focus=${focus}`),
  ]);
  for (const partner of partners.partners) {
    known.partners.set(partner.code, partner.name);
    checkbox($("partners"), partner.code, partner.name);
  }
  known.sources = sources.sources;
  known.dyadicLast = sources.dyadic_last;
  for (const row of sources.sources) checkbox($("sources"), row.source, `${row.source} (${row.events})`);
  for (const input of ["from", "to", "since"]) {
    $(input).min = sources.dyadic_first || "";
    $(input).max = sources.dyadic_last || "";
  }
  const notes = applyState(state);
  state = stateFromControls(state);
  window.history.replaceState(null, "", writeState(state) ? `?${writeState(state)}` : window.location.pathname);
  $("controls").addEventListener("change", onChange);
  $("since").addEventListener("change", onChange);
  $("controls").addEventListener("submit", (event) => event.preventDefault());
  // back and forward in the browser's history restore the views it went through
  window.addEventListener("popstate", () => {
    state = readState(window.location.search);
    applyState(state);
    state = stateFromControls(state);
    refresh();
  });
  await refresh(notes);
}

start().catch((error) => { $("status").textContent = `Could not start: ${error.message}`; });
