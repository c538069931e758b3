// Live request log: every request the router finished, newest first, as it happens.
import { button, clear, formatCount, formatMs, formatTime, h, put, textInput } from "./dom.js";
import { feed, onFeed } from "./events.js";

let body = null;
let status = null;
let paused = false;
let filter = "";
let unsubscribe = null;

const COLUMNS = ["Time", "Session", "Route", "Provider, model", "Status", "Latency", "First token", "Tokens in / out", "Error"];

export function render(container) {
  clear(container);
  if (unsubscribe) unsubscribe();
  body = h("tbody", { id: "log-rows" });
  status = h("span", { class: `live ${feed.state}`, role: "status" });
  const pause = button(paused ? "Resume" : "Pause", () => {
    paused = !paused;
    pause.textContent = paused ? "Resume" : "Pause";
    pause.setAttribute("aria-pressed", String(paused));
    if (!paused) fill();
  }, { "aria-pressed": String(paused) });
  const search = textInput(filter, (v) => {
    filter = v.toLowerCase();
    fill();
  }, { id: "log-filter", type: "search", placeholder: "model, provider, status, error…" });
  put(container, 
    h("div", { class: "screen-head" }, h("h1", { text: "Requests", tabindex: "-1" }), status),
    h("div", { class: "inline-form" }, h("label", { for: "log-filter", text: "Filter" }), search, pause),
    h("div", { class: "table-wrap" },
      h("table", { class: "log" },
        h("caption", { class: "visually-hidden", text: "Recent requests, newest first" }),
        h("thead", {}, h("tr", {}, COLUMNS.map((c) => h("th", { scope: "col", text: c })))),
        body,
      ),
    ),
  );
  showState();
  fill();
  unsubscribe = onFeed((kind, rec) => {
    if (!body || !body.isConnected) return;
    if (kind === "state") showState();
    else if (kind === "reset") fill();
    else if (kind === "request" && !paused && matches(rec)) {
      body.querySelector("td.empty")?.parentElement.remove();
      body.prepend(row(rec));
    }
  });
}

function showState() {
  const text = { live: "● Live", connecting: "Connecting…", offline: "Offline — reconnecting" }[feed.state] || feed.state;
  status.textContent = text;
  status.className = `live ${feed.state}`;
}

function matches(rec) {
  if (!filter) return true;
  const hay = [rec.provider, rec.model, rec.scenario, String(rec.status), rec.error || "", rec.session || ""].join(" ").toLowerCase();
  return hay.includes(filter);
}

function fill() {
  if (!body) return;
  clear(body);
  const rows = feed.records.filter(matches).slice(-200).reverse();
  if (!rows.length) body.append(h("tr", {}, h("td", { colspan: COLUMNS.length, class: "empty", text: "No requests yet. Send one from Claude Code, or use Test on a provider." })));
  for (const rec of rows) body.append(row(rec));
}

function row(rec) {
  const ok = rec.status < 400 && !rec.error;
  return h("tr", { class: ok ? "" : "failed" },
    h("td", { text: formatTime(rec.time) }),
    h("td", { class: "mono", text: rec.session ? rec.session.slice(0, 8) : "–", title: rec.session || "" }),
    h("td", { text: rec.scenario }),
    h("td", { class: "mono", text: `${rec.provider},${rec.model}` }),
    h("td", { class: ok ? "ok" : "bad", text: String(rec.status) }),
    h("td", { class: "num", text: formatMs(rec.latency_ms) }),
    h("td", { class: "num", text: formatMs(rec.ttfb_ms) }),
    h("td", { class: "num", text: `${formatCount(rec.input_tokens)} / ${formatCount(rec.output_tokens)}` }),
    h("td", { class: "error-cell", text: rec.error || "" }),
  );
}
