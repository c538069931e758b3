// Providers: list, add (from a template or blank), edit, test, delete.
import { api } from "./api.js";
import { chainEditor } from "./chain.js";
import { announce, button, clear, field, formatMs, h, nextId, put, select, textInput } from "./dom.js";
import { forgetOffers, modelsFetcher } from "./provider_models.js";
import { change, providers, store } from "./store.js";
import { TEMPLATES, fromTemplate } from "./templates.js";

const expanded = new Set();
let root = null;

export function render(container) {
  root = container;
  clear(container);
  const list = providers();
  put(container, 
    h(
      "div",
      { class: "screen-head" },
      h("h1", { text: "Providers", tabindex: "-1" }),
      button("Add provider", openTemplates, { class: "primary", id: "add-provider" }),
    ),
    h("p", { class: "muted", text: "Each provider is one API endpoint with its key and models. Keys are never shown in full." }),
  );
  if (!list.length) put(container, h("p", { class: "empty", text: "No providers yet. Add one from a template." }));
  list.forEach((p, i) => put(container, card(p, i)));
}

// Open the card holding `path` (a server error may point inside a closed one).
export function revealPath(path) {
  const m = /^Providers\[(\d+)\]/.exec(path || "");
  if (!m || expanded.has(Number(m[1]))) return false;
  expanded.add(Number(m[1]));
  rerender();
  return true;
}

function rerender() {
  if (root) render(root);
}

function card(p, i) {
  const open = expanded.has(i);
  const bodyId = `provider-body-${i}`;
  const titleId = `provider-title-${i}`;
  const count = Array.isArray(p.models) ? p.models.length : 0;
  const head = h(
    "div",
    { class: "card-head" },
    h("h2", { id: titleId, text: p.name || "(unnamed)" }),
    h("span", { class: "muted url", text: p.api_base_url || "" }),
    h("span", { class: "muted", text: `${count} model${count === 1 ? "" : "s"}` }),
    h(
      "span",
      { class: "row-actions" },
      button(open ? "Close" : "Edit", () => {
        if (open) expanded.delete(i);
        else expanded.add(i);
        rerender();
        document.getElementById(open ? titleId : `provider-name-${i}`)?.focus();
      }, { "aria-expanded": String(open), "aria-controls": bodyId }),
      button("Delete", () => remove(i), { class: "danger", "aria-label": `Delete provider ${p.name}` }),
    ),
  );
  const section = h("section", { class: "card provider", "aria-labelledby": titleId }, head);
  section.append(h("div", { class: "card-body", id: bodyId, hidden: !open }, open ? editor(p, i) : null, tester(p, i)));
  return section;
}

function renameRoutes(oldName, newName) {
  if (!oldName || oldName === newName) return;
  const fix = (v) => (typeof v === "string" && v.split(",")[0].trim().toLowerCase() === oldName.toLowerCase() ? `${newName},${v.split(",").slice(1).join(",")}` : v);
  change((d) => {
    if (d.Router) for (const k of Object.keys(d.Router)) d.Router[k] = fix(d.Router[k]);
    if (d.fallback) for (const k of Object.keys(d.fallback)) d.fallback[k] = (d.fallback[k] || []).map(fix);
  });
}

function keyInput(p, i) {
  const input = textInput(p.api_key, (v) => {
    change(() => (p.api_key = v));
    conceal();
  }, { id: `provider-key-${i}`, class: "secret" });
  const conceal = () => input.classList.toggle("concealed", Boolean(input.value) && !input.value.includes("…") && !input.value.trim().startsWith("$"));
  input.addEventListener("focus", () => {
    if (input.value.includes("…")) input.select();
  });
  conceal();
  const toggle = button("Show", () => {
    const shown = input.classList.toggle("revealed");
    toggle.textContent = shown ? "Hide" : "Show";
  }, { class: "small", "aria-controls": input.id, "aria-label": "Show or hide the typed key" });
  return { input, toggle };
}

function editor(p, i) {
  const base = `Providers[${i}]`;
  let nameBefore = p.name;
  const name = textInput(p.name, (v) => change(() => (p.name = v)), { id: `provider-name-${i}` });
  name.addEventListener("change", () => {
    renameRoutes(nameBefore, name.value);
    nameBefore = name.value;
    const title = document.getElementById(`provider-title-${i}`);
    if (title) title.textContent = name.value || "(unnamed)";
  });
  const url = textInput(p.api_base_url, (v) => change(() => (p.api_base_url = v)), { id: `provider-url-${i}`, inputmode: "url" });
  const key = keyInput(p, i);
  const models = h("textarea", {
    id: `provider-models-${i}`,
    rows: 4,
    spellcheck: "false",
    value: (p.models || []).join("\n"),
    oninput: (e) => change(() => (p.models = e.target.value.split("\n").map((m) => m.trim()).filter(Boolean))),
  });
  models.value = (p.models || []).join("\n");
  return h(
    "div",
    { class: "form-grid" },
    field({ label: "Name", path: `${base}.name`, control: name, help: "Used in routes as name,model. No commas." }),
    field({ label: "API URL", path: `${base}.api_base_url`, control: url, help: "The complete endpoint URL, e.g. …/v1/chat/completions." }),
    h("div", { class: "with-button" }, field({
      label: "API key",
      path: `${base}.api_key`,
      control: key.input,
      help: "Shown masked. Leave it to keep the stored key; type a new key, or $ENV_VAR to read it from the router's environment.",
    }), key.toggle),
    field({ label: "Models (one per line)", path: `${base}.models`, control: models }),
    modelsFetcher(p, i, models),
    chainEditor({
      label: "Transformers for every model",
      path: `${base}.transformer.use`,
      getList: (create) => {
        if (create) p.transformer = p.transformer || {};
        if (create && !Array.isArray(p.transformer.use)) p.transformer.use = [];
        return p.transformer ? p.transformer.use : null;
      },
    }),
    modelChains(p, i),
  );
}

function modelChains(p, i) {
  const box = h("div", { class: "model-chains" });
  const keys = Object.keys(p.transformer || {}).filter((k) => k !== "use");
  for (const model of keys) {
    box.append(
      chainEditor({
        label: `Extra transformers for ${model}`,
        path: `Providers[${i}].transformer.${model}.use`,
        getList: (create) => {
          const entry = p.transformer[model] || (p.transformer[model] = { use: [] });
          if (create && !Array.isArray(entry.use)) entry.use = [];
          return entry.use;
        },
        onEmpty: () => delete p.transformer[model],
      }),
    );
  }
  const free = (p.models || []).filter((m) => !keys.includes(m));
  if (free.length) {
    const id = nextId("m");
    const chooser = select(free, free[0], () => {}, { id });
    box.append(
      h(
        "div",
        { class: "inline-form" },
        h("label", { for: id, text: "Add transformers for one model:" }),
        chooser,
        button("Add", () => {
          change(() => {
            p.transformer = p.transformer || {};
            p.transformer[chooser.value] = { use: [store.transformers[0]?.name || "tooluse"] };
          });
          rerender();
        }),
      ),
    );
  }
  return box;
}

function tester(p, i) {
  const models = Array.isArray(p.models) && p.models.length ? p.models : [""];
  const id = nextId("tm");
  const chooser = select(models.map((m) => [m, m || "(first model)"]), models[0], () => {}, { id });
  const result = h("p", { class: "test-result", role: "status", "aria-live": "polite" });
  const run = button("Test", async () => {
    run.disabled = true;
    result.className = "test-result";
    result.textContent = `Sending a tiny request to ${p.name},${chooser.value}…`;
    try {
      const r = await api("POST", "/api/providers/test", { provider: p.name, model: chooser.value, config: store.draft });
      result.className = `test-result ${r.ok ? "ok" : "bad"}`;
      result.textContent = r.ok
        ? `✓ ${r.target} answered in ${formatMs(r.latency_ms)}: “${r.reply || "(no text)"}” (${r.input_tokens} in / ${r.output_tokens} out tokens)`
        : `✗ ${r.target} failed (${r.status}) after ${formatMs(r.latency_ms)}: ${r.error}`;
    } catch (err) {
      result.className = "test-result bad";
      result.textContent = `✗ ${err.message}`;
    } finally {
      run.disabled = false;
    }
  }, { "aria-label": `Test provider ${p.name}` });
  return h("div", { class: "tester" }, h("label", { for: id, text: "Test with model" }), chooser, run, result);
}

function remove(i) {
  const p = providers()[i];
  if (!window.confirm(`Delete provider ${p.name}? Nothing is saved until you press Save.`)) return;
  const cleared = [];
  change((d) => {
    providers(d).splice(i, 1);
    for (const [slot, v] of Object.entries(d.Router || {})) {
      if (typeof v === "string" && v.split(",")[0].trim().toLowerCase() === String(p.name).toLowerCase()) {
        delete d.Router[slot];
        cleared.push(slot);
      }
    }
  });
  expanded.clear();
  forgetOffers(); // they were kept by position
  rerender();
  announce(`Provider ${p.name} deleted${cleared.length ? `; routes cleared: ${cleared.join(", ")}` : ""}. Save to apply.`);
}

function openTemplates() {
  const known = new Set(store.transformers.map((t) => t.name.toLowerCase()));
  const taken = new Set(providers().map((p) => String(p.name).toLowerCase()));
  const dialog = h("dialog", { class: "templates", "aria-labelledby": "tpl-title" });
  const pick = (template) => {
    dialog.close();
    dialog.remove();
    const { provider, dropped } = template ? fromTemplate(template, known, taken) : { provider: { name: "", api_base_url: "", api_key: "", models: [] }, dropped: [] };
    change((d) => providers(d, true).push(provider));
    const index = providers().length - 1;
    expanded.add(index);
    rerender();
    document.getElementById(`provider-${template ? "key" : "name"}-${index}`)?.focus();
    const notes = [];
    if (template?.keyVar) notes.push(`enter the key or $${template.keyVar}`);
    if (template?.note) notes.push(template.note);
    if (dropped.length) notes.push(`left out transformers this router does not have: ${dropped.join(", ")}`);
    const text = `Added ${provider.name || "a blank provider"}${notes.length ? ` — ${notes.join("; ")}` : ""}`;
    announce(/[.!?]$/.test(text) ? text : `${text}.`);
  };
  const grid = h("div", { class: "template-grid" }, TEMPLATES.map((t) => button(t.label, () => pick(t), { class: "template", dataset: { template: t.id } })));
  dialog.append(
    h("h2", { id: "tpl-title", text: "Add a provider" }),
    h("p", { class: "muted", text: "Start from a template (URL, models and transformers filled in), or from a blank form." }),
    grid,
    h("div", { class: "actions" }, button("Blank provider", () => pick(null)), button("Cancel", () => { dialog.close(); dialog.remove(); })),
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  grid.querySelector("button")?.focus();
}
