// Status line editor (`StatusLine` in config.json) with a live preview.
import { api } from "./api.js";
import { button, checkbox, clear, field, h, nextId, put, select, textInput } from "./dom.js";
import { change, store } from "./store.js";
import { DEFAULT_MODULES, ICONS, MODULE_TYPES, SAMPLE, TEXTS, cssColor } from "./statusline_render.js";

let root = null;
const sample = { ...SAMPLE };
// The preview is what a terminal with a Nerd Font shows; browsers rarely have that font, so its
// icon glyphs (empty boxes here) are left out unless asked for, and the arrows are drawn.
let showIcons = false;

function config() {
  const s = store.draft.StatusLine;
  return s && typeof s === "object" && !Array.isArray(s) ? s : {};
}

function style() {
  return config().currentStyle === "powerline" ? "powerline" : "default";
}

function modules(create = false) {
  const s = config();
  const st = style();
  const list = s[st] && Array.isArray(s[st].modules) ? s[st].modules : null;
  if (list || !create) return list;
  return null;
}

function editStatus(mutate) {
  change((d) => {
    if (!d.StatusLine || typeof d.StatusLine !== "object") d.StatusLine = {};
    mutate(d.StatusLine);
  });
}

function ensureModules(s) {
  const st = s.currentStyle === "powerline" ? "powerline" : "default";
  if (!s[st] || typeof s[st] !== "object") s[st] = {};
  if (!Array.isArray(s[st].modules)) s[st].modules = DEFAULT_MODULES.map((type) => ({ type }));
  return s[st].modules;
}

export function render(container) {
  root = container;
  clear(container);
  const s = config();
  const list = modules() || DEFAULT_MODULES.map((type) => ({ type }));
  const preview = h("div", { class: `terminal ${style()}`, role: "img", id: "statusline-preview" });
  put(container, 
    h("div", { class: "screen-head" }, h("h1", { text: "Status line", tabindex: "-1" })),
    h("p", { class: "muted", text: "What `ccr statusline` shows under Claude Code's prompt. The preview uses the sample values below; icons need a Nerd Font in your terminal." }),
    h("section", { class: "card", "aria-labelledby": "sl-preview-title" }, h("h2", { id: "sl-preview-title", text: "Preview" }), preview, sampleForm(() => drawPreview(preview))),
    h("div", { class: "form-grid two" },
      h("div", { class: "field" }, checkbox("Show the status line in Claude Code", Boolean(s.enabled), (v) => editStatus((x) => (x.enabled = v)), { "data-path": "StatusLine.enabled" })),
      field({ label: "Style", path: "StatusLine.currentStyle", control: select([["default", "Default (coloured text)"], ["powerline", "Powerline (segments)"]], style(), (v) => {
        editStatus((x) => (x.currentStyle = v));
        render(root);
      }, { id: "sl-style" }) }),
    ),
    h("section", { class: "card", "aria-labelledby": "sl-modules-title" },
      h("h2", { id: "sl-modules-title", text: `Modules (${style()} style)` }),
      h("p", { class: "muted", text: `${modules() ? "" : "Using the built-in modules; editing one makes them yours. "}Texts may use {{workDirName}}, {{gitBranch}}, {{model}}, {{inputTokens}}, {{outputTokens}}, {{contextPercent}}, {{tokenSpeed}}, {{cost}}. Colours: names (bright_cyan, bg_blue) or hex (#88c0d0).` }),
      list.map((m, i) => moduleRow(m, i, list.length)),
      addRow(),
    ),
  );
  drawPreview(preview);
}

let previewTimer = null;
let previewGeneration = 0;

// Ask the server (the `ccr statusline` renderer) shortly after the last edit.
function drawPreview(box) {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(() => fetchPreview(box), 120);
}

async function fetchPreview(box) {
  const mine = ++previewGeneration;
  let result;
  try {
    result = await api("POST", "/api/statusline/preview", { StatusLine: config(), variables: sample, icons: true });
  } catch (err) {
    if (mine === previewGeneration) clear(box).append(h("span", { class: "bad", text: `Preview unavailable: ${err.message}` }));
    return;
  }
  if (mine !== previewGeneration || !box.isConnected) return;
  paint(box, result);
}

function paint(box, result) {
  clear(box);
  const segs = result.segments;
  const powerline = result.style === "powerline";
  box.className = `terminal ${result.style}`;
  box.setAttribute("aria-label", `Preview: ${result.plain || "(empty)"}`);
  if (!segs.length) box.append(h("span", { class: "muted", text: "(nothing to show)" }));
  segs.forEach((seg, i) => {
    const body = `${seg.icon && showIcons ? `${seg.icon} ` : ""}${seg.text}`;
    const span = h("span", { class: "seg", text: powerline ? ` ${body} ` : body });
    const fg = cssColor(seg.color);
    const bg = cssColor(seg.background);
    if (fg) span.style.color = fg;
    if (bg) span.style.backgroundColor = bg;
    box.append(span);
    if (powerline) box.append(separator(bg, cssColor(segs[i + 1]?.background)));
    else if (i < segs.length - 1) box.append(h("span", { class: "seg", text: " " })); // a bare space would vanish in flex
  });
}

// The powerline arrow, drawn (the U+E0B0 glyph needs a Nerd Font the browser may not have).
function separator(from, to) {
  const svg = h("svg:svg", { class: "sep", viewBox: "0 0 10 20", width: "10", height: "20", "aria-hidden": "true", preserveAspectRatio: "none" });
  svg.append(h("svg:rect", { x: "0", y: "0", width: "10", height: "20", fill: to || "transparent" }));
  svg.append(h("svg:polygon", { points: "0,0 10,10 0,20", fill: from || "#000" }));
  return svg;
}

function sampleForm(redraw) {
  const fields = [["model", "Model"], ["inputTokens", "Input tokens"], ["outputTokens", "Output tokens"], ["gitBranch", "Branch"]];
  return h("details", { class: "sample" },
    h("summary", { text: "Sample values" }),
    checkbox("Show the Nerd Font icons (needs the font in this browser)", showIcons, (v) => {
      showIcons = v;
      redraw();
    }),
    h("div", { class: "form-grid four" }, fields.map(([key, label]) => field({ label, control: textInput(sample[key], (v) => { sample[key] = v; redraw(); }) }))),
  );
}

function moduleRow(m, i, count) {
  const base = `StatusLine.${style()}.modules[${i}]`;
  const edit = (mutate, redraw = false) => {
    editStatus((s) => mutate(ensureModules(s)[i]));
    if (redraw) render(root);
    else drawPreview(document.getElementById("statusline-preview"));
  };
  const type = select(MODULE_TYPES.map((t) => [t, t]), m.type, (v) => edit((x) => (x.type = v), true), { "aria-label": `Module ${i + 1} type` });
  const text = textInput(typeof m.text === "string" ? m.text : "", (v) => edit((x) => (v === "" ? delete x.text : (x.text = v))), { placeholder: TEXTS[m.type] || "{{model}}" });
  const icon = textInput(typeof m.icon === "string" ? m.icon : "", (v) => edit((x) => (v === "" ? delete x.icon : (x.icon = v))), { placeholder: ICONS[m.type] || "", class: "short" });
  const colour = (key, label) => colourField(m, key, label, base, (v) => edit((x) => (v === "" ? delete x[key] : (x[key] = v))));
  const move = (delta) => {
    const j = i + delta;
    editStatus((s) => {
      const list = ensureModules(s);
      [list[i], list[j]] = [list[j], list[i]];
    });
    render(root);
  };
  return h("fieldset", { class: "module" },
    h("legend", { text: `Module ${i + 1}: ${m.type}` }),
    h("div", { class: "form-grid four" },
      field({ label: "Type", path: `${base}.type`, control: type }),
      field({ label: "Text", path: `${base}.text`, control: text }),
      field({ label: "Icon", path: `${base}.icon`, control: icon }),
      colour("color", "Colour"),
      colour("background", "Background"),
      m.type === "script" ? field({ label: "Script path", path: `${base}.scriptPath`, control: textInput(m.scriptPath || "", (v) => edit((x) => (x.scriptPath = v))) }) : null,
    ),
    h("div", { class: "row-actions" },
      button("↑", () => move(-1), { disabled: i === 0, "aria-label": `Move module ${i + 1} up` }),
      button("↓", () => move(1), { disabled: i === count - 1, "aria-label": `Move module ${i + 1} down` }),
      button("Remove", () => {
        editStatus((s) => ensureModules(s).splice(i, 1));
        render(root);
      }, { class: "danger", "aria-label": `Remove module ${i + 1}` }),
    ),
  );
}

function colourField(m, key, label, base, set) {
  const id = nextId("c");
  const text = textInput(m[key] || "", (v) => {
    set(v);
    const css = cssColor(v);
    if (css) picker.value = css;
  }, { id, placeholder: key === "color" ? "bright_cyan or #88c0d0" : "bg_blue or #2e3440" });
  const picker = h("input", { type: "color", value: cssColor(m[key]) || "#888888", "aria-label": `${label} picker`, oninput: (e) => {
    text.value = e.target.value;
    set(e.target.value);
  } });
  return h("div", { class: "with-button" }, field({ label, path: `${base}.${key}`, control: text }), picker);
}

function addRow() {
  const id = nextId("add");
  const chooser = select(MODULE_TYPES.map((t) => [t, t]), "model", () => {}, { id });
  return h("div", { class: "inline-form" },
    h("label", { for: id, text: "Add module" }), chooser,
    button("Add", () => {
      editStatus((s) => ensureModules(s).push({ type: chooser.value }));
      render(root);
    }),
    button("Reset to built-in modules", () => {
      editStatus((s) => {
        const st = s.currentStyle === "powerline" ? "powerline" : "default";
        delete s[st];
      });
      render(root);
    }),
  );
}
