// DOM helpers. Everything from the config is inserted as text (never as HTML): a provider named
// "<img onerror=…>" must stay a name.

let uid = 0;
export function nextId(prefix = "f") {
  uid += 1;
  return `${prefix}-${uid}`;
}

export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith("svg:");
  const el = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.setAttribute("class", v);
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "value" && !svg) el.value = v;
    else if (k === "checked" && !svg) el.checked = Boolean(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

// Like el.append(), but skips null/false (native append would insert the text "null").
export function put(el, ...children) {
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// A labelled control bound to a config key path: `data-path` is where server errors are shown.
export function field({ label, path, control, help, restart }) {
  const id = control.id || nextId();
  control.id = id;
  const errId = `${id}-err`;
  const helpId = help ? `${id}-help` : null;
  control.setAttribute("aria-describedby", [helpId, errId].filter(Boolean).join(" "));
  if (path) control.dataset.path = path;
  return h(
    "div",
    { class: "field", dataset: path ? { fieldFor: path } : undefined },
    h("label", { for: id }, label, restart ? h("span", { class: "badge", text: "restart" , title: "takes effect after `ccr restart`" }) : null),
    control,
    help ? h("p", { class: "help", id: helpId, text: help }) : null,
    h("p", { class: "field-error", id: errId, role: "alert", hidden: true }),
  );
}

export function textInput(value, onInput, attrs = {}) {
  return h("input", {
    type: "text",
    value: value ?? "",
    spellcheck: "false",
    autocomplete: "off",
    oninput: (e) => onInput(e.target.value),
    ...attrs,
  });
}

export function checkbox(label, checked, onChange, attrs = {}) {
  const id = nextId();
  return h(
    "div",
    { class: "check" },
    h("input", { type: "checkbox", id, checked, onchange: (e) => onChange(e.target.checked), ...attrs }),
    h("label", { for: id, text: label }),
  );
}

export function select(options, value, onChange, attrs = {}) {
  const el = h("select", { onchange: (e) => onChange(e.target.value), ...attrs });
  for (const opt of options) {
    const [v, text] = Array.isArray(opt) ? opt : [opt, opt];
    el.append(h("option", { value: v, text, selected: v === value }));
  }
  el.value = value ?? "";
  return el;
}

export function button(text, onClick, attrs = {}) {
  return h("button", { type: "button", onclick: onClick, ...attrs }, text);
}

const live = () => document.getElementById("announce");

// Short messages for screen readers (and a visible toast).
export function announce(text, kind = "info") {
  const region = live();
  if (region) region.textContent = text;
  const box = document.getElementById("toasts");
  if (!box) return;
  const toast = h("div", { class: `toast ${kind}`, text });
  box.append(toast);
  setTimeout(() => toast.remove(), kind === "error" ? 8000 : 4000);
}

export function formatMs(ms) {
  if (ms === null || ms === undefined) return "–";
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10000 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}

export function formatCount(n) {
  if (!n) return "0";
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export function formatTime(epochSeconds) {
  return new Date(epochSeconds * 1000).toLocaleTimeString();
}
