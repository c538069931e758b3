// Usage: per provider,model totals since the router started, charts over time, and daily
// history when USAGE_HISTORY_DAYS is on.
import { api } from "./api.js";
import { lineChart } from "./chart.js";
import { clear, formatCount, formatMs, h, put, select } from "./dom.js";
import { onFeed } from "./events.js";

let minutes = 60;
let content = null;
let unsubscribe = null;
let pending = null;

export function render(container) {
  clear(container);
  if (unsubscribe) unsubscribe();
  content = h("div", { id: "usage-content", "aria-live": "polite" }, h("p", { class: "muted", text: "Loading…" }));
  const range = select([["60", "Last hour"], ["360", "Last 6 hours"], ["1440", "Last 24 hours"]], String(minutes), (v) => {
    minutes = Number(v);
    refresh();
  }, { id: "usage-range" });
  put(container, 
    h("div", { class: "screen-head" }, h("h1", { text: "Usage", tabindex: "-1" }), h("span", { class: "inline-form" }, h("label", { for: "usage-range", text: "Period" }), range)),
    content,
  );
  refresh();
  // New requests refresh the figures, at most every 2 seconds.
  unsubscribe = onFeed((kind) => {
    if (kind !== "request" || pending || !content?.isConnected) return;
    pending = setTimeout(() => {
      pending = null;
      if (content?.isConnected) refresh();
    }, 2000);
  });
}

async function refresh() {
  let data;
  try {
    data = await api("GET", `/api/usage?minutes=${minutes}`);
  } catch (err) {
    clear(content).append(h("p", { class: "bad", text: err.message }));
    return;
  }
  clear(content);
  content.append(summaryTable(data.since_start, data.started), charts(data), days(data));
}

function summaryTable(rows, started) {
  const head = ["Provider, model", "Requests", "Errors", "Tokens in", "Tokens out", "Cache read", "Latency p50", "Latency p95", "First token p50"];
  return h("section", { class: "card", "aria-labelledby": "usage-total" },
    h("h2", { id: "usage-total", text: `Since the router started (${new Date(started * 1000).toLocaleString()})` }),
    rows.length ? table(head, rows.map((r) => [r.target, r.requests, r.errors, formatCount(r.input_tokens), formatCount(r.output_tokens), formatCount(r.cache_read_tokens), formatMs(r.latency_p50_ms), formatMs(r.latency_p95_ms), formatMs(r.ttfb_p50_ms)])) : h("p", { class: "empty", text: "No requests yet." }),
  );
}

function table(head, rows) {
  return h("div", { class: "table-wrap" },
    h("table", { class: "usage" },
      h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col", text: c })))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => (i === 0 ? h("th", { scope: "row", class: "mono", text: c }) : h("td", { class: "num", text: String(c) })))))),
    ),
  );
}

function charts(data) {
  const first = data.now_minute - data.minutes + 1;
  const keys = [...new Set(data.timeline.flatMap((b) => Object.keys(b.models)))].sort();
  const byMinute = new Map(data.timeline.map((b) => [b.minute, b.models]));
  const tokens = keys.map((k) => ({
    name: k,
    points: range(first, data.now_minute).map((m) => {
      const u = byMinute.get(m)?.[k];
      return [m, u ? u.input_tokens + u.output_tokens : 0];
    }),
  }));
  const latency = keys.map((k) => ({
    name: k,
    points: data.timeline.filter((b) => b.models[k] && b.minute >= first && b.models[k].latency_p50_ms !== null).map((b) => [b.minute, b.models[k].latency_p50_ms]),
  }));
  const xFormat = (m) => new Date(m * 60000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return h("section", { class: "card charts", "aria-labelledby": "usage-charts" },
    h("h2", { id: "usage-charts", text: "Over time (per minute)" }),
    h("div", { class: "chart-grid" },
      lineChart({ id: "chart-tokens", title: "Tokens per minute (in + out)", series: tokens, xFormat, yFormat: (v) => formatCount(Math.round(v)), xDomain: [first, data.now_minute] }),
      lineChart({ id: "chart-latency", title: "Latency per minute (median)", series: latency, xFormat, yFormat: (v) => formatMs(v), xDomain: [first, data.now_minute] }),
    ),
  );
}

function range(a, b) {
  const out = [];
  for (let i = a; i <= b; i++) out.push(i);
  return out;
}

function days(data) {
  const section = h("section", { class: "card", "aria-labelledby": "usage-days" }, h("h2", { id: "usage-days", text: "By day" }));
  if (!data.history_days) {
    section.append(h("p", { class: "muted", text: "Daily history is off. Set USAGE_HISTORY_DAYS in Settings to keep daily totals (stored in usage.json next to the config)." }));
    return section;
  }
  const rows = data.days.flatMap((d) => d.models.map((m) => [`${d.date}  ${m.target}`, m.requests, m.errors, formatCount(m.input_tokens), formatCount(m.output_tokens), formatMs(m.latency_p50_ms), formatMs(m.latency_p95_ms)]));
  section.append(rows.length ? table(["Day, provider, model", "Requests", "Errors", "Tokens in", "Tokens out", "Latency p50", "Latency p95"], rows.reverse()) : h("p", { class: "empty", text: "Nothing recorded yet." }));
  return section;
}
