// The page: navigation, the save bar, errors shown at their fields, status, theme.
// Start-up only reads from the server; the config is written only when Save is pressed.
import { api } from "./api.js";
import { announce, button, clear, formatMs, h, put } from "./dom.js";
import { startFeed } from "./events.js";
import * as logs from "./logs.js";
import * as plugins from "./plugins.js";
import * as providers from "./providers.js";
import * as raw from "./raw.js";
import * as routes from "./routes.js";
import * as settings from "./settings.js";
import * as statusline from "./statusline.js";
import { discard, isDirty, loadConfig, loadTransformers, on, save, store } from "./store.js";
import { initTheme } from "./theme.js";
import * as usage from "./usage.js";

const SCREENS = [
  ["providers", "Providers", providers],
  ["router", "Router", routes],
  ["transformers", "Transformers", plugins],
  ["settings", "Settings", settings],
  ["statusline", "Status line", statusline],
  ["raw", "Raw JSON", raw],
  ["requests", "Requests", logs],
  ["usage", "Usage", usage],
];

const main = () => document.getElementById("main");
const feedback = () => document.getElementById("feedback");

function current() {
  const id = location.hash.replace(/^#\/?/, "") || "providers";
  return SCREENS.find(([key]) => key === id) || SCREENS[0];
}

let rendered = null;

function show(focus = true) {
  const [id, , screen] = current();
  const leaving = SCREENS.find(([key]) => key === rendered)?.[2];
  const waiting = rendered !== id ? leaving?.leave?.() : null;
  if (waiting) {
    waiting.finally(() => show(focus)); // the raw editor's text first: it may change the draft
    return;
  }
  rendered = id;
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.screen === id) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  screen.render(clear(main()));
  showErrors();
  if (focus) main().querySelector("h1")?.focus();
}

// Which screen shows a config key path.
function screenFor(path) {
  if (/^(Providers|providers)\b/.test(path)) return "providers";
  if (/^(Router|forceUseImageAgent|fallback)\b/.test(path)) return "router";
  if (/^transformers\b/.test(path)) return "transformers";
  if (/^StatusLine\b/.test(path)) return "statusline";
  return path ? "settings" : "raw";
}

function showErrors() {
  for (const el of main().querySelectorAll("[aria-invalid]")) {
    if (el.dataset.path !== undefined) el.removeAttribute("aria-invalid");
  }
  for (const slot of main().querySelectorAll(".field > .field-error, fieldset > .field-error")) {
    if (slot.dataset.server) {
      slot.hidden = true;
      slot.textContent = "";
      slot.classList.remove("warn");
      delete slot.dataset.server;
    }
  }
  const unplaced = [];
  const problems = [...store.errors.map((e) => ({ ...e, warn: false })), ...(store.warnings || []).map((w) => ({ ...w, warn: true }))];
  for (const err of problems) {
    const targets = err.path ? main().querySelectorAll(`[data-path="${CSS.escape(err.path)}"]`) : [];
    if (!targets.length) unplaced.push(err);
    for (const el of targets) place(el, err);
  }
  renderProblems(unplaced);
}

function place(el, err) {
  if (!err.warn) el.setAttribute("aria-invalid", "true");
  const slot = el.closest(".field, fieldset")?.querySelector(":scope > .field-error");
  if (!slot) return;
  const text = err.message.startsWith(`${err.path}: `) ? err.message.slice(err.path.length + 2) : err.message;
  slot.textContent = err.warn ? `Warning: ${text}` : text;
  slot.classList.toggle("warn", err.warn);
  slot.hidden = false;
  slot.dataset.server = "1";
}

function goToProblem(path) {
  const screen = screenFor(path);
  const focus = () => {
    showErrors();
    main().querySelector(`[data-path="${CSS.escape(path)}"]`)?.focus();
  };
  if (current()[0] !== screen) {
    location.hash = `#/${screen}`;
    show(false); // now, not on the hashchange event: the field must exist to be focused
  }
  providers.revealPath(path);
  focus();
}

function renderProblems(unplaced) {
  const box = document.getElementById("problems");
  clear(box);
  if (current()[0] === "raw") unplaced = unplaced.filter((e) => e.warn); // raw lists errors at their lines
  box.hidden = !unplaced.length;
  box.classList.toggle("warn", unplaced.every((e) => e.warn));
  for (const err of unplaced) {
    const go = button(`Show ${err.path || "in Raw JSON"}`, () => goToProblem(err.path), { class: "link" });
    box.append(h("p", {}, h("strong", { text: err.warn ? "Warning: " : "Problem: " }), err.message, " ", go));
  }
}

function updateSaveBar() {
  const dirty = isDirty();
  document.getElementById("save").disabled = !dirty;
  document.getElementById("discard").disabled = !dirty;
  document.getElementById("dirty").textContent = dirty ? "Unsaved changes" : "All changes saved";
  document.body.classList.toggle("dirty", dirty);
}

function report(result) {
  const box = feedback();
  clear(box);
  box.className = "feedback ok";
  const notes = [];
  if (result.restart_needed.length) notes.push(`Restart needed for ${result.restart_needed.join(", ")}: run \`ccr restart\`.`);
  if (result.next_launch.length) notes.push(`${result.next_launch.join(", ")}: used the next time you run \`ccr code\`.`);
  if (!result.restart_needed.length) notes.push("Routes, providers and transformers are live now.");
  const warnings = (result.warnings || []).map((w) => h("li", { class: "bad", text: `Warning: ${w.message}` }));
  put(
    box,
    h("p", {}, h("strong", { text: "Saved." }), ` ${notes.join(" ")}`),
    warnings.length ? h("ul", {}, warnings) : null,
    result.changes.length ? h("ul", {}, result.changes.map((c) => h("li", { text: c }))) : h("p", { text: "No changes." }),
    button("Dismiss", () => clear(box) && (box.className = "feedback"), { class: "link" }),
  );
  announce(`Saved: ${result.changes.length} change(s).`, "ok");
}

async function doSave() {
  const waiting = raw.leave(); // text typed in the last 400 ms is checked and in the draft first
  if (waiting) await waiting;
  if (!isDirty()) return;
  const btn = document.getElementById("save");
  btn.disabled = true;
  clear(feedback()).className = "feedback";
  try {
    report(await save());
  } catch (err) {
    const box = feedback();
    box.className = "feedback bad";
    const conflict = err.status === 409;
    box.append(h("p", {}, h("strong", { text: conflict ? "Not saved — the file changed: " : "Not saved: " }), err.message));
    if (conflict) box.append(button("Reload from the file (drops your edits)", async () => { await loadConfig(); clear(box); }));
    if (err.status === 400) {
      store.errors = [{ path: err.path, message: err.message, line: err.line, column: err.column }];
      if (err.path) goToProblem(err.path);
      else showErrors();
    }
    announce(`Not saved: ${err.message}`, "error");
  } finally {
    updateSaveBar();
  }
}

function buildShell() {
  const nav = document.getElementById("nav-list");
  for (const [id, label] of SCREENS) nav.append(h("li", {}, h("a", { href: `#/${id}`, dataset: { screen: id }, text: label })));
  document.getElementById("save").addEventListener("click", doSave);
  document.getElementById("discard").addEventListener("click", () => {
    if (window.confirm("Drop all unsaved changes?")) discard();
  });
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "s") {
      e.preventDefault();
      doSave();
    }
  });
  window.addEventListener("beforeunload", (e) => {
    if (isDirty()) e.preventDefault();
  });
}

async function showStatus() {
  try {
    const s = await api("GET", "/api/status");
    document.getElementById("server-status").textContent = `v${s.version} · ${s.port ? `${s.host}:${s.port}` : location.host} · up ${formatMs(s.uptime_s * 1000)} · ${s.config_path || "no file"}`;
  } catch (err) {
    document.getElementById("server-status").textContent = `status unavailable: ${err.message}`;
  }
}

function fileNotices() {
  const box = document.getElementById("notices");
  clear(box);
  const m = store.meta;
  if (m.disk_error) box.append(h("p", { class: "notice bad", text: `The config file on disk cannot be read (${m.disk_error}); this page shows the running config. Saving replaces the file (a backup is kept).` }));
  else if (m.running_matches_file === false) {
    box.append(h("p", { class: "notice" }, "The file on disk differs from the running config (edited by hand?). This page shows the file. ",
      button("Apply the file now", async () => {
        await api("POST", "/api/reload");
        await loadConfig();
        announce("Reloaded the config file.", "ok");
      })));
  }
}

async function start() {
  initTheme();
  buildShell();
  on((kind) => {
    if (kind === "loaded") {
      fileNotices();
      show(false);
    }
    if (kind === "errors") showErrors();
    if (kind === "loaded" || kind === "change") updateSaveBar();
  });
  window.addEventListener("hashchange", () => {
    if (current()[0] !== rendered) show();
  });
  await Promise.all([loadTransformers(), showStatus()]);
  await loadConfig();
  startFeed();
  setInterval(showStatus, 30000);
}

start().catch((err) => {
  clear(main()).append(h("p", { class: "notice bad", text: `The UI could not start: ${err.message}` }));
});
