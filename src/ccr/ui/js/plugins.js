// Custom transformers (`transformers: [{path, options}]`) and the list of every available one.
import { button, clear, field, h, put, textInput } from "./dom.js";
import { change, store } from "./store.js";

let root = null;

export function render(container) {
  root = container;
  clear(container);
  const list = Array.isArray(store.draft.transformers) ? store.draft.transformers : [];
  put(container, 
    h(
      "div",
      { class: "screen-head" },
      h("h1", { text: "Transformers", tabindex: "-1" }),
      button("Add custom transformer", () => {
        change((d) => {
          if (!Array.isArray(d.transformers)) d.transformers = [];
          d.transformers.push({ path: "", options: {} });
        });
        render(root);
        document.getElementById(`plugin-path-${store.draft.transformers.length - 1}`)?.focus();
      }, { class: "primary" }),
    ),
    h("p", {
      class: "muted",
      text: "A custom transformer is a Python file defining a class with a `name` and any of the transformer hooks. Once saved it can be used in provider chains by that name.",
    }),
  );
  if (!list.length) put(container, h("p", { class: "empty", text: "No custom transformers." }));
  list.forEach((entry, i) => put(container, pluginCard(entry, i)));
  put(container, available());
}

function pluginCard(entry, i) {
  const base = `transformers[${i}]`;
  const path = textInput(entry.path, (v) => change(() => (entry.path = v)), { id: `plugin-path-${i}`, placeholder: "/home/me/.claude-code-router/plugins/my_transformer.py" });
  const err = h("p", { class: "field-error", role: "alert", hidden: true });
  const options = h("textarea", {
    id: `plugin-options-${i}`,
    rows: 3,
    spellcheck: "false",
    oninput: (e) => {
      const text = e.target.value.trim();
      try {
        const parsed = text ? JSON.parse(text) : {};
        if (typeof parsed !== "object" || Array.isArray(parsed) || parsed === null) throw new Error("must be a JSON object");
        err.hidden = true;
        e.target.removeAttribute("aria-invalid");
        change(() => (entry.options = parsed));
      } catch (ex) {
        err.textContent = `Options: ${ex.message}`;
        err.hidden = false;
        e.target.setAttribute("aria-invalid", "true");
      }
    },
  });
  options.value = entry.options && Object.keys(entry.options).length ? JSON.stringify(entry.options, null, 2) : "";
  return h(
    "section",
    { class: "card", "aria-label": `Custom transformer ${i + 1}` },
    h("div", { class: "form-grid" },
      field({ label: "Python file", path: `${base}.path`, control: path, help: "Absolute path, or relative to the config file's folder." }),
      field({ label: "Options (JSON object)", path: `${base}.options`, control: options }),
    ),
    err,
    h("div", { class: "actions" }, button("Remove", () => {
      change((d) => d.transformers.splice(i, 1));
      render(root);
    }, { class: "danger", "aria-label": `Remove custom transformer ${i + 1}` })),
  );
}

function available() {
  const rows = store.transformers.map((t) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, h("code", { text: t.name })),
      h("td", { text: t.description || "" }),
      h("td", {}, Object.keys(t.options || {}).length
        ? h("dl", { class: "options" }, Object.entries(t.options).map(([k, v]) => [h("dt", {}, h("code", { text: k })), h("dd", { text: v })]))
        : h("span", { class: "muted", text: "none" })),
      h("td", { text: t.passthrough ? "Anthropic (passthrough)" : t.endpoint ? "own wire format" : "" }),
    ),
  );
  const broken = Object.entries(store.broken || {}).map(([name, why]) => h("li", {}, h("code", { text: name }), `: ${why}`));
  return h(
    "section",
    { class: "card", "aria-labelledby": "available-title" },
    h("h2", { id: "available-title", text: `Available transformers (${store.transformers.length})` }),
    broken.length ? h("div", { class: "notice bad" }, h("p", { text: "These failed to load:" }), h("ul", {}, broken)) : null,
    h("div", { class: "table-wrap" },
      h("table", {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Name" }), h("th", { scope: "col", text: "What it does" }), h("th", { scope: "col", text: "Options" }), h("th", { scope: "col", text: "Endpoint" }))),
        h("tbody", {}, rows),
      ),
    ),
  );
}
