// The config being edited: what the server sent (secrets masked) and the working draft.
// Nothing is written unless the user presses Save; start-up only reads.
import { api, ApiError, currentKey, setKey } from "./api.js";

export const store = {
  original: null,
  draft: null,
  version: null,
  meta: {},
  transformers: [],
  broken: {},
  errors: [],
  warnings: [],
  rawProblem: null,
  lastSave: null,
  // The file's text (comments and layout, secrets masked) as `original` says it, when the server
  // could show it; and the text the draft is written into — the file's, or the Raw JSON editor's
  // last valid text — with the settings it says (`editDoc`).
  text: null,
  editText: null,
  editDoc: null,
};

const listeners = new Set();

export function on(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(kind) {
  for (const fn of [...listeners]) fn(kind);
}

export function clone(value) {
  return JSON.parse(JSON.stringify(value ?? {}));
}

export function isDirty() {
  if (typedText()) return true; // a comment typed is a change too
  return !same(store.draft, store.original);
}

// Was text typed in the Raw JSON editor (which then started from the file's own text)? Only then
// is the text saved as written: from the settings alone it would drop comments never shown.
function typedText() {
  return store.text !== null && store.editText !== store.text;
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function adopt(data) {
  store.original = data.config || {};
  store.draft = clone(store.original);
  store.text = typeof data.text === "string" ? data.text : null;
  store.editText = store.text;
  store.editDoc = clone(store.original);
  if (data.version) store.version = data.version;
}

export async function loadConfig() {
  const data = await api("GET", "/api/config");
  store.meta = data;
  adopt(data);
  store.errors = [];
  store.rawProblem = null;
  emit("loaded");
}

export async function loadTransformers() {
  const data = await api("GET", "/api/transformers");
  store.transformers = data.transformers || [];
  store.broken = data.broken || {};
  emit("transformers");
}

// Edit the draft; the server re-validates shortly after the last keystroke.
export function change(mutate) {
  mutate(store.draft);
  emit("change");
  scheduleValidate();
}

// The raw editor's parsed text becomes the draft (it was validated already).
export function replaceDraft(doc, text) {
  store.draft = doc;
  if (store.text !== null) {
    store.editText = text;
    store.editDoc = clone(doc);
  }
  emit("change");
}

let timer = null;
let generation = 0;

function scheduleValidate() {
  clearTimeout(timer);
  timer = setTimeout(validateDraft, 450);
}

export async function validateDraft() {
  const mine = ++generation;
  try {
    const result = await api("POST", "/api/config/validate", { config: store.draft });
    if (mine === generation) setErrors(result.errors || [], result.warnings);
  } catch (err) {
    if (mine === generation) setErrors([{ path: "", message: err.message }]);
  }
}

// The text the Raw JSON editor shows for the draft: the file's own text or the one typed there,
// with the edits made since on the other screens written in by the server — comments kept.
// `null` when only the settings can be shown (then JSON.stringify them).
export async function draftText() {
  if (store.editText === null) return null;
  if (same(store.draft, store.editDoc)) return store.editText;
  const result = await api("POST", "/api/config/render", { text: store.editText, config: store.draft });
  return typeof result.text === "string" ? result.text : null;
}

export async function validateText(text) {
  const mine = ++generation;
  const result = await api("POST", "/api/config/validate", { text });
  if (mine !== generation) return null;
  setErrors(result.errors || [], result.warnings);
  return result;
}

// Errors block saving; warnings (a plugin that fails to load) are shown but do not.
export function setErrors(errors, warnings = undefined) {
  store.errors = errors;
  if (warnings !== undefined) store.warnings = warnings || [];
  emit("errors");
}

// The providers array of the draft; `create` adds an empty one when the config has none
// (only on an edit: merely looking must not change the draft).
export function providers(draft = store.draft, create = false) {
  if (Array.isArray(draft.Providers)) return draft.Providers;
  if (Array.isArray(draft.providers)) return draft.providers;
  if (!create) return [];
  draft.Providers = [];
  return draft.Providers;
}

export function targets(draft = store.draft) {
  const out = [];
  for (const p of providers(draft)) {
    for (const m of Array.isArray(p.models) ? p.models : []) out.push(`${p.name},${m}`);
  }
  return out;
}

function typedApiKey() {
  // A newly typed APIKEY (not masked, not a $VAR) becomes this tab's key once saved.
  const value = store.draft.APIKEY;
  if (typeof value !== "string" || value === store.original.APIKEY) return null;
  if (value.includes("…") || value.includes("$")) return null;
  return value;
}

export async function save() {
  clearTimeout(timer);
  generation++; // a validation still under way answers for the old draft: ignore it
  if (store.rawProblem) throw new ApiError(400, { error: { message: store.rawProblem, path: "" } });
  const newKey = typedApiKey();
  const apikeyChanged = store.draft.APIKEY !== store.original.APIKEY;
  const text = typedText() ? await draftText() : null;
  const body = text !== null ? { text } : { config: store.draft };
  const result = await api("PUT", "/api/config", { ...body, base_version: store.version });
  if (newKey !== null || (apikeyChanged && !store.draft.APIKEY)) setKey(newKey || "");
  else if (apikeyChanged && currentKey()) setKey("");
  adopt(result);
  store.lastSave = result;
  store.errors = [];
  store.warnings = result.warnings || [];
  emit("loaded");
  return result;
}

export function discard() {
  store.draft = clone(store.original);
  store.editText = store.text;
  store.editDoc = clone(store.original);
  store.errors = [];
  store.rawProblem = null;
  emit("loaded");
}

export async function restoreBackup(name) {
  const result = await api("POST", "/api/config/restore", { name });
  adopt(result);
  store.lastSave = result;
  emit("loaded");
  return result;
}
