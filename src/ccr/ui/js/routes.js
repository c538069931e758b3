// Router: which provider,model answers each kind of request.
import { checkbox, clear, field, h, put, select } from "./dom.js";
import { change, store, targets } from "./store.js";

const SLOTS = [
  ["default", "Default", "Every request no other rule takes. Needed."],
  ["background", "Background", "Claude Code's small background tasks (haiku-class requests): a cheap, fast model."],
  ["think", "Think", "Requests with extended thinking turned on (plan mode)."],
  ["longContext", "Long context", "Requests over the token threshold below."],
  ["webSearch", "Web search", "Requests that carry a web_search tool; the model must support it."],
  ["image", "Image", "Requests with images, for a model that can see them."],
];

export function render(container) {
  clear(container);
  const router = store.draft.Router && typeof store.draft.Router === "object" ? store.draft.Router : {};
  const choices = targets();
  put(container, 
    h("div", { class: "screen-head" }, h("h1", { text: "Router", tabindex: "-1" })),
    h("p", { class: "muted", text: "Pick the provider,model for each scenario. Empty slots fall back to the default." }),
  );
  const grid = h("div", { class: "form-grid two" });
  for (const [slot, label, help] of SLOTS) {
    const current = typeof router[slot] === "string" ? router[slot] : "";
    const options = [["", slot === "default" ? "(choose a model)" : "(use default)"], ...choices.map((t) => [t, t])];
    if (current && !choices.includes(current)) options.push([current, `${current} (not in Providers)`]);
    const control = select(options, current, (value) => setSlot(slot, value), { id: `route-${slot}` });
    grid.append(field({ label, path: `Router.${slot}`, control, help }));
  }
  const threshold = h("input", {
    type: "number",
    id: "route-threshold",
    min: "1000",
    step: "1000",
    value: router.longContextThreshold ?? 60000,
    oninput: (e) => change((d) => {
      d.Router = d.Router || {};
      const n = Number(e.target.value);
      if (e.target.value === "" || !Number.isFinite(n)) delete d.Router.longContextThreshold;
      else d.Router.longContextThreshold = Math.round(n);
    }),
  });
  grid.append(field({ label: "Long context threshold (tokens)", path: "Router.longContextThreshold", control: threshold, help: "Default 60000." }));
  put(container, grid);
  const agent = checkbox("Image agent: let a vision model describe images for models that cannot see them", Boolean(store.draft.forceUseImageAgent), (v) =>
    change((d) => {
      if (v) d.forceUseImageAgent = true;
      else delete d.forceUseImageAgent;
    }),
  );
  agent.querySelector("input").dataset.path = "forceUseImageAgent";
  put(container, h("div", { class: "field", dataset: { fieldFor: "forceUseImageAgent" } }, agent, h("p", { class: "help", text: "Uses the Image slot's model (forceUseImageAgent)." }), h("p", { class: "field-error", role: "alert", hidden: true })));
  if (!choices.length) put(container, h("p", { class: "empty", text: "Add a provider with at least one model first." }));
}

function setSlot(slot, value) {
  change((d) => {
    d.Router = d.Router && typeof d.Router === "object" ? d.Router : {};
    if (value) d.Router[slot] = value;
    else delete d.Router[slot];
  });
}
