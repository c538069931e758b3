// Settings: the top-level keys of config.json.
import { checkbox, clear, field, h, put, select, textInput } from "./dom.js";
import { change, store } from "./store.js";

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"];

function setKey(key, value) {
  change((d) => {
    if (value === undefined || value === "") delete d[key];
    else d[key] = value;
  });
}

function numberInput(key, placeholder) {
  return h("input", {
    type: "number",
    id: `setting-${key}`,
    value: store.draft[key] ?? "",
    placeholder,
    oninput: (e) => {
      const raw = e.target.value;
      const n = Number(raw);
      setKey(key, raw === "" ? undefined : Number.isFinite(n) ? n : raw);
    },
  });
}

function text(key, placeholder, attrs = {}) {
  return textInput(store.draft[key], (v) => setKey(key, v), { id: `setting-${key}`, placeholder, ...attrs });
}

function flag(key, label, help) {
  const box = checkbox(label, Boolean(store.draft[key]), (v) => setKey(key, v ? true : key === "LOG" ? false : undefined));
  box.querySelector("input").dataset.path = key;
  return h("div", { class: "field" }, box, help ? h("p", { class: "help", text: help }) : null, h("p", { class: "field-error", role: "alert", hidden: true }));
}

export function render(container) {
  clear(container);
  const d = store.draft;
  const apikey = text("APIKEY", "(none: only this computer can connect)", { class: "secret" });
  apikey.addEventListener("focus", () => apikey.value.includes("…") && apikey.select());
  const logChecked = d.LOG !== false;
  const log = checkbox("Write log files (LOG)", logChecked, (v) => setKey("LOG", v ? undefined : false));
  log.querySelector("input").dataset.path = "LOG";
  put(container, 
    h("div", { class: "screen-head" }, h("h1", { text: "Settings", tabindex: "-1" })),
    h("section", { class: "card", "aria-labelledby": "set-server" },
      h("h2", { id: "set-server", text: "Server" }),
      h("div", { class: "form-grid two" },
        field({ label: "HOST", path: "HOST", control: text("HOST", "127.0.0.1"), help: "Address to listen on. Without an APIKEY the router only listens on 127.0.0.1.", restart: true }),
        field({ label: "PORT", path: "PORT", control: numberInput("PORT", "3456"), restart: true }),
        field({
          label: "APIKEY",
          path: "APIKEY",
          control: apikey,
          help: "Clients (Claude Code, this page) must send it. Shown masked; type a new one or a $ENV_VAR to change it. This tab switches to a typed key after saving.",
        }),
        field({ label: "API_TIMEOUT_MS", path: "API_TIMEOUT_MS", control: numberInput("API_TIMEOUT_MS", "600000"), help: "Upstream timeout; also given to Claude Code by `ccr code`." }),
        field({ label: "PROXY_URL", path: "PROXY_URL", control: text("PROXY_URL", "http://127.0.0.1:7890"), help: "Proxy for every provider call." }),
        field({ label: "USAGE_HISTORY_DAYS", path: "USAGE_HISTORY_DAYS", control: numberInput("USAGE_HISTORY_DAYS", "0"), help: "Keep daily usage totals for this many days in usage.json next to the config (0 or empty: off)." }),
      ),
    ),
    h("section", { class: "card", "aria-labelledby": "set-log" },
      h("h2", { id: "set-log", text: "Logging" }),
      h("div", { class: "form-grid two" },
        h("div", { class: "field" }, log, h("p", { class: "help", text: "Takes effect after `ccr restart`." }), h("p", { class: "field-error", role: "alert", hidden: true })),
        field({ label: "LOG_LEVEL", path: "LOG_LEVEL", control: select(LEVELS.map((l) => [l, l]), (d.LOG_LEVEL || "info").toLowerCase(), (v) => setKey("LOG_LEVEL", v), { id: "setting-LOG_LEVEL" }), restart: true }),
        field({ label: "LOG_MAX_BYTES", path: "LOG_MAX_BYTES", control: numberInput("LOG_MAX_BYTES", "20971520"), help: "A log file rotates at this size (bytes).", restart: true }),
        field({ label: "LOG_BACKUPS", path: "LOG_BACKUPS", control: numberInput("LOG_BACKUPS", "3"), help: "Rotated pieces kept of each log file.", restart: true }),
        field({ label: "LOG_MAX_FILES", path: "LOG_MAX_FILES", control: numberInput("LOG_MAX_FILES", "10"), help: "Server logs kept in logs/ (one per start); older ones are deleted.", restart: true }),
      ),
    ),
    h("section", { class: "card", "aria-labelledby": "set-claude" },
      h("h2", { id: "set-claude", text: "Claude Code and routing" }),
      h("div", { class: "form-grid two" },
        field({ label: "CUSTOM_ROUTER_PATH", path: "CUSTOM_ROUTER_PATH", control: text("CUSTOM_ROUTER_PATH", "/home/me/.claude-code-router/router.py"), help: "A Python file with route(request, config) that may pick the model first." }),
        field({ label: "CLAUDE_PATH", path: "CLAUDE_PATH", control: text("CLAUDE_PATH", "claude"), help: "The claude executable `ccr code` starts." }),
        flag("NON_INTERACTIVE_MODE", "NON_INTERACTIVE_MODE (CI, no terminal)", "For `ccr code` in scripts and CI."),
      ),
    ),
    unknownKeys(),
  );
}

function unknownKeys() {
  const keys = store.meta.unknown_keys || [];
  if (!keys.length) return null;
  return h("p", { class: "notice", text: `Kept but not used by this version: ${keys.join(", ")}. Edit them in Raw JSON.` });
}
