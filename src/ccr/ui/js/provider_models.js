// "Fetch models": the router asks the provider's server which models it offers (POST
// /api/providers/models; a masked key is resolved there, never here) and each one becomes a
// checkbox that adds it to, or removes it from, the provider's models list.
import { api } from "./api.js";
import { button, clear, h, nextId, put } from "./dom.js";
import { change } from "./store.js";

const FILTER_FROM = 12; // a long list (OpenRouter lists hundreds) gets a filter box
const offers = new Map(); // provider index → last answer, so a re-render keeps the list

export function forgetOffers() {
  offers.clear();
}

const same = (a, b) => a.toLowerCase() === b.toLowerCase();

// The button, its status line and the offered models, for the provider editor.
// `textarea` is the models field: ticks are written into it, and typing there updates the ticks.
export function modelsFetcher(p, i, textarea) {
  const status = h("p", { class: "test-result", id: `provider-offers-status-${i}`, role: "status", "aria-live": "polite" });
  const box = h("div", { class: "offers", id: `provider-offers-${i}` });
  const draw = () => drawOffers(box, status, p, i, textarea);
  const run = button("Fetch models", async () => {
    run.disabled = true;
    status.className = "test-result";
    status.textContent = "Asking the server which models it offers…";
    try {
      const body = { provider: p.name, api_base_url: p.api_base_url, api_key: p.api_key };
      offers.set(i, await api("POST", "/api/providers/models", body));
    } catch (err) {
      offers.set(i, { ok: false, models: [], error: err.message });
    } finally {
      run.disabled = false;
    }
    draw();
  }, { id: `provider-fetch-${i}`, "aria-controls": box.id, "aria-describedby": status.id });
  textarea.addEventListener("input", () => syncTicks(box, p));
  draw();
  return h(
    "div",
    { class: "fetch-models" },
    h("div", { class: "inline-form" }, run, h("span", { class: "help", text: "Ask the server at the API URL for its model list (GET …/v1/models), then tick models to add." })),
    status,
    box,
  );
}

function drawOffers(box, status, p, i, textarea) {
  clear(box);
  const answer = offers.get(i);
  if (!answer) return;
  if (!answer.ok) {
    status.className = "test-result bad";
    status.textContent = `✗ ${answer.error}`;
    return;
  }
  const models = answer.models || [];
  status.className = "test-result ok";
  status.textContent = models.length
    ? `✓ ${answer.url} offers ${models.length} model${models.length === 1 ? "" : "s"}. Tick the ones to use.`
    : `${answer.url} lists no models yet (Ollama: ollama pull <model>; llama.cpp and vLLM serve the model they were started with).`;
  if (!models.length) return;
  const list = h("div", { class: "offer-list" }, models.map((m) => offerBox(p, m, textarea)));
  const legendId = nextId("offers");
  const fieldset = h("fieldset", { "aria-labelledby": legendId }, h("legend", { id: legendId, text: `Models the server offers (${models.length})` }));
  const addAll = button("Add all", () => {
    setModels(p, textarea, [...(p.models || []), ...models.filter((m) => !has(p, m))]);
    syncTicks(box, p);
  }, { class: "small" });
  const tools = h("div", { class: "inline-form" }, addAll);
  if (models.length >= FILTER_FROM) tools.prepend(filterInput(list));
  put(fieldset, tools, list);
  box.append(fieldset);
  syncTicks(box, p);
}

function offerBox(p, model, textarea) {
  const id = nextId("offer");
  const input = h("input", {
    type: "checkbox",
    id,
    dataset: { model },
    onchange: (e) => {
      const rest = (p.models || []).filter((m) => !same(m, model));
      setModels(p, textarea, e.target.checked ? [...rest, model] : rest);
    },
  });
  return h("div", { class: "check" }, input, h("label", { for: id, text: model }));
}

function filterInput(list) {
  const id = nextId("offer-filter");
  const input = h("input", {
    type: "search",
    id,
    placeholder: "Filter",
    "aria-label": "Filter the offered models",
    oninput: () => {
      const words = input.value.trim().toLowerCase();
      for (const row of list.children) row.hidden = Boolean(words) && !row.textContent.toLowerCase().includes(words);
    },
  });
  return input;
}

const has = (p, model) => (p.models || []).some((m) => same(m, model));

function setModels(p, textarea, models) {
  change(() => (p.models = models));
  textarea.value = models.join("\n");
}

function syncTicks(box, p) {
  for (const input of box.querySelectorAll("input[type=checkbox]")) input.checked = has(p, input.dataset.model);
}
