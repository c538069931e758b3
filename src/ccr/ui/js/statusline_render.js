// A browser preview of `ccr statusline`: the same modules, texts, colours and styles as the
// terminal renderer (src/ccr/statusline/theme.py), drawn with spans instead of escape codes.

export const MODULE_TYPES = ["workDir", "gitBranch", "model", "usage", "context", "speed", "cost", "script"];

export const TEXTS = {
  workDir: "{{workDirName}}",
  gitBranch: "{{gitBranch}}",
  model: "{{model}}",
  usage: "↑ {{inputTokens}} ↓ {{outputTokens}}",
  context: "{{contextPercent}}%",
  speed: "{{tokenSpeed}} tok/s",
  cost: "${{cost}}",
  script: "",
};

export const ICONS = {
  workDir: "\u{F024B}",
  gitBranch: "\uE725",
  model: "\u{F06A9}",
  usage: "",
  context: "\uF1C0",
  speed: "\uF0E4",
  cost: "",
  script: "",
};

const FOREGROUND = {
  workDir: "bright_blue", gitBranch: "bright_magenta", model: "bright_cyan", usage: "bright_green",
  context: "bright_yellow", speed: "green", cost: "yellow", script: "white",
};
const BACKGROUND = {
  workDir: "bg_blue", gitBranch: "bg_magenta", model: "bg_cyan", usage: "bg_green",
  context: "bg_yellow", speed: "bg_bright_black", cost: "bg_red", script: "bg_bright_black",
};
export const DEFAULT_MODULES = ["workDir", "gitBranch", "model", "usage", "context"];

// A common 16-colour terminal palette.
const PALETTE = {
  black: "#000000", red: "#cd3131", green: "#0dbc79", yellow: "#e5e510",
  blue: "#2472c8", magenta: "#bc3fbc", cyan: "#11a8cd", white: "#e5e5e5",
  bright_black: "#666666", bright_red: "#f14c4c", bright_green: "#23d18b", bright_yellow: "#f5f543",
  bright_blue: "#3b8eea", bright_magenta: "#d670d6", bright_cyan: "#29b8db", bright_white: "#ffffff",
};

export const SAMPLE = {
  workDirName: "my-project",
  gitBranch: "main",
  model: "deepseek-chat",
  inputTokens: 12345,
  outputTokens: 678,
  contextPercent: 42,
  tokenSpeed: 38.5,
  cost: "0.12",
  scriptOutput: "(script output)",
};

// "#abc", "abc", "#aabbcc", names like bright_blue or bg_cyan → CSS colour, or null.
export function cssColor(value) {
  if (typeof value !== "string" || !value.trim()) return null;
  let name = value.trim().toLowerCase().replace(/^bg_/, "");
  const hex = name.replace(/^#/, "");
  if (/^[0-9a-f]{3}$/.test(hex)) return `#${[...hex].map((c) => c + c).join("")}`;
  if (/^[0-9a-f]{6}$/.test(hex)) return `#${hex}`;
  if (name === "gray" || name === "grey" || name === "bright_gray" || name === "bright_grey") name = "bright_black";
  return PALETTE[name] || null;
}

function formatTokens(vars) {
  const big = Number(vars.inputTokens) > 1000 || Number(vars.outputTokens) > 1000;
  const fmt = (n) => (big && Number(n) > 1000 ? `${(Number(n) / 1000).toFixed(1)}k` : String(n));
  return { ...vars, inputTokens: fmt(vars.inputTokens), outputTokens: fmt(vars.outputTokens) };
}

// [{icon, text, fg, bg}] for the modules whose text is not empty.
export function segments(modules, vars, style) {
  const values = formatTokens(vars);
  const out = [];
  for (const m of modules) {
    const type = MODULE_TYPES.includes(m.type) ? m.type : "script";
    const template = typeof m.text === "string" ? m.text : type === "script" ? "{{scriptOutput}}" : TEXTS[type];
    const text = template.replace(/\{\{(\w+)\}\}/g, (_, name) => (values[name] === undefined ? "" : String(values[name])));
    if (!text.trim()) continue;
    const icon = typeof m.icon === "string" ? m.icon : ICONS[type];
    const fg = cssColor(m.color) || (style === "powerline" ? PALETTE.white : cssColor(FOREGROUND[type]));
    const bg = cssColor(m.background) || (style === "powerline" ? cssColor(BACKGROUND[type]) : null);
    out.push({ icon, text, fg, bg });
  }
  return out;
}

export function plainText(segs) {
  return segs.map((s) => (s.icon ? `${s.icon} ${s.text}` : s.text)).join("  ");
}
