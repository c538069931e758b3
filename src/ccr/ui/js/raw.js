// The whole config as text (JSON5 accepted), checked by the server as you type, with the
// problem shown at its line; and the backups the router keeps of config.json.
import { api } from "./api.js";
import { announce, button, clear, h, put } from "./dom.js";
import { draftText, on, replaceDraft, restoreBackup, store, validateText } from "./store.js";

let editor = null;
let gutter = null;
let messages = null;
let timer = null;
let pending = false;
let lastText = null;

export function render(container) {
  clear(container);
  const broken = lastText !== null && store.rawProblem;
  const text = broken ? lastText : JSON.stringify(store.draft, null, 2);
  gutter = h("div", { class: "gutter", "aria-hidden": "true" });
  editor = h("textarea", {
    id: "raw-editor",
    class: "code",
    spellcheck: "false",
    autocomplete: "off",
    wrap: "off",
    "aria-describedby": "raw-help raw-messages",
    oninput: () => {
      numberLines();
      clearTimeout(timer);
      timer = setTimeout(check, 400);
      pending = true;
    },
    onscroll: () => (gutter.scrollTop = editor.scrollTop),
  });
  editor.value = text;
  messages = h("ul", { class: "raw-messages", id: "raw-messages", "aria-live": "polite" });
  const meta = store.meta || {};
  put(container, 
    h("div", { class: "screen-head" }, h("h1", { text: "Raw JSON", tabindex: "-1" })),
    h("p", { class: "muted", id: "raw-help", text: `The whole of ${meta.path || "config.json"}, secrets masked. JSON5 is accepted (comments, trailing commas)${store.text !== null ? " and saved as you write it, comments included" : ""}. Changes here show on the other screens once the text is valid.` }),
    store.text === null && meta.plain_json === false && !meta.disk_error
      ? h("p", { class: "notice", id: "raw-notice", text: "Your file has comments (or other JSON5 features) that are not shown here, because one of them looks like it holds a key. Comments typed here are not saved, but saving keeps those in the file: only the values you change are rewritten." })
      : null,
    h("label", { for: "raw-editor", class: "visually-hidden", text: "Config text" }),
    h("div", { class: "code-wrap" }, gutter, editor),
    messages,
    backupsSection(),
  );
  numberLines();
  showProblems();
  if (!broken) showDraftText(editor);
}

// The file's own text (comments, layout) when the server can give it; until then, and otherwise,
// the settings as JSON. Not once the user has started typing.
async function showDraftText(mine) {
  const shown = mine.value;
  let text;
  try {
    text = await draftText();
  } catch {
    return; // the settings as JSON stay
  }
  if (text === null || editor !== mine || mine.value !== shown) return;
  mine.value = text;
  numberLines();
}

function numberLines() {
  const count = editor.value.split("\n").length;
  const bad = new Set(store.errors.map((e) => e.line).filter(Boolean));
  clear(gutter);
  for (let i = 1; i <= count; i++) gutter.append(h("div", { class: bad.has(i) ? "bad" : "", text: String(i) }));
  gutter.scrollTop = editor.scrollTop;
}

// Leaving the screen with a check still waiting (typed less than 400 ms ago): check now, so what
// was typed reaches the draft before another screen shows it. A promise, or null if none waits.
export function leave() {
  if (!pending) return null;
  clearTimeout(timer);
  return check();
}

async function check() {
  pending = false;
  const sent = editor.value;
  lastText = sent;
  let result;
  try {
    result = await validateText(sent);
  } catch (err) {
    store.rawProblem = err.message;
    showProblems();
    return;
  }
  if (!result) return; // a newer check is under way
  const syntaxError = !result.config;
  store.rawProblem = syntaxError ? `Raw JSON: ${result.errors[0]?.message || "not valid"}` : null;
  if (result.config) replaceDraft(result.config, sent);
  showProblems();
}

function goToLine(line, column) {
  const lines = editor.value.split("\n");
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
  offset += Math.max(0, (column || 1) - 1);
  editor.focus();
  editor.setSelectionRange(offset, offset);
  const lineHeight = editor.scrollHeight / Math.max(lines.length, 1);
  editor.scrollTop = Math.max(0, (line - 3) * lineHeight);
}

function showProblems() {
  if (!messages) return;
  clear(messages);
  numberLines();
  if (!store.errors.length) {
    messages.append(h("li", { class: "ok", text: "✓ Valid." }));
    return;
  }
  for (const e of store.errors) {
    const where = e.line ? `Line ${e.line}${e.column ? `, column ${e.column}` : ""}${e.path ? ` (${e.path})` : ""}` : e.path || "Config";
    const text = e.message.replace(/^line \d+, column \d+: /, "").replace(`${e.path}: `, "");
    const item = h("li", { class: "bad" }, e.line ? button(where, () => goToLine(e.line, e.column), { class: "link" }) : h("strong", { text: where }), `: ${text}`);
    messages.append(item);
  }
}

on((kind) => {
  if (kind === "errors" && editor && editor.isConnected) showProblems();
});

function backupsSection() {
  const list = h("ul", { class: "backups" }, h("li", { class: "muted", text: "Loading…" }));
  api("GET", "/api/config/backups").then(
    (data) => {
      clear(list);
      if (!data.backups.length) list.append(h("li", { class: "muted", text: "No backups yet: one is made before every save (the last 3 are kept)." }));
      for (const b of data.backups) {
        const when = new Date(b.mtime * 1000).toLocaleString();
        list.append(h("li", {}, h("code", { text: b.name }), ` — ${when}, ${b.size} bytes `, button("Restore", () => restore(b.name), { "aria-label": `Restore backup from ${when}` })));
      }
    },
    (err) => {
      clear(list);
      list.append(h("li", { class: "bad", text: err.message }));
    },
  );
  return h("section", { class: "card", "aria-labelledby": "backups-title" }, h("h2", { id: "backups-title", text: "Backups" }), list);
}

async function restore(name) {
  if (!window.confirm(`Replace the config with ${name}? The current file is backed up first.`)) return;
  try {
    const result = await restoreBackup(name);
    lastText = null;
    announce(`Restored ${name}. ${result.changes.length} change(s) applied.`, "ok");
  } catch (err) {
    announce(`Not restored: ${err.message}`, "error");
  }
}
