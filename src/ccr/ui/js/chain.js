// Editor for a transformer chain: ["name", ["name", {options}], …], in order.
import { button, clear, h, nextId, select } from "./dom.js";
import { change, store } from "./store.js";

function specName(spec) {
  return Array.isArray(spec) ? String(spec[0] ?? "") : String(spec ?? "");
}

function specOptions(spec) {
  return Array.isArray(spec) && spec[1] && typeof spec[1] === "object" ? spec[1] : null;
}

function optionsHelp(name) {
  const info = store.transformers.find((t) => t.name.toLowerCase() === name.toLowerCase());
  if (!info) return "";
  const opts = Object.entries(info.options || {});
  const base = info.description || "";
  if (!opts.length) return base;
  return `${base}${base && !/[.!?]$/.test(base) ? "." : ""} Options: ${opts.map(([k, v]) => `${k} — ${v}`).join("; ")}`;
}

// `getList` returns the live array in the draft (creating it when needed).
export function chainEditor({ label, getList, path, onEmpty }) {
  const box = h("fieldset", { class: "chain", dataset: { path } });
  const render = () => {
    clear(box);
    box.append(h("legend", { text: label }));
    const list = getList(false) || [];
    if (!list.length) box.append(h("p", { class: "muted", text: "No transformers: the request is sent as OpenAI Chat Completions." }));
    list.forEach((spec, i) => box.append(row(list, i, spec, render, onEmpty)));
    const names = store.transformers.map((t) => [t.name, t.name]);
    box.append(
      h(
        "div",
        { class: "chain-add" },
        button("Add transformer", () => {
          change(() => getList(true).push(names.length ? names[0][0] : ""));
          render();
          box.querySelector(".chain-row:last-of-type select")?.focus();
        }),
      ),
    );
    box.append(h("p", { class: "field-error", role: "alert", hidden: true }));
  };
  render();
  return box;
}

function row(list, i, spec, render, onEmpty) {
  const name = specName(spec);
  const opts = specOptions(spec);
  const known = store.transformers.map((t) => [t.name, t.name]);
  if (name && !known.some(([n]) => n.toLowerCase() === name.toLowerCase())) known.unshift([name, `${name} (not available)`]);
  const selectId = nextId("t");
  const optsId = nextId("o");
  const help = h("p", { class: "help", text: optionsHelp(name) });
  const err = h("p", { class: "field-error", role: "alert", hidden: true });
  const optionsInput = h("input", {
    type: "text",
    id: optsId,
    value: opts ? JSON.stringify(opts) : "",
    placeholder: '{"max_tokens": 65536}',
    spellcheck: "false",
    "aria-label": `Options of transformer ${i + 1} (JSON)`,
    oninput: (e) => {
      const text = e.target.value.trim();
      if (!text) {
        err.hidden = true;
        change(() => (list[i] = specName(list[i])));
        return;
      }
      try {
        const parsed = JSON.parse(text);
        if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("options must be a JSON object");
        err.hidden = true;
        e.target.removeAttribute("aria-invalid");
        change(() => (list[i] = [specName(list[i]), parsed]));
      } catch (ex) {
        err.textContent = `Not a JSON object: ${ex.message}`;
        err.hidden = false;
        e.target.setAttribute("aria-invalid", "true");
      }
    },
  });
  const chooser = select(known, name, (value) => {
    change(() => (list[i] = specOptions(list[i]) ? [value, specOptions(list[i])] : value));
    help.textContent = optionsHelp(value);
  }, { id: selectId, "aria-label": `Transformer ${i + 1}` });
  const move = (delta) => {
    const j = i + delta;
    if (j < 0 || j >= list.length) return;
    change(() => ([list[i], list[j]] = [list[j], list[i]]));
    render();
  };
  return h(
    "div",
    { class: "chain-row" },
    h("span", { class: "chain-index", text: `${i + 1}.` }),
    chooser,
    optionsInput,
    h(
      "span",
      { class: "row-actions" },
      button("↑", () => move(-1), { "aria-label": `Move transformer ${i + 1} up`, disabled: i === 0 }),
      button("↓", () => move(1), { "aria-label": `Move transformer ${i + 1} down`, disabled: i === list.length - 1 }),
      button("Remove", () => {
        change(() => {
          list.splice(i, 1);
          if (!list.length && onEmpty) onEmpty();
        });
        render();
      }, { class: "danger", "aria-label": `Remove transformer ${i + 1}` }),
    ),
    help,
    err,
  );
}
