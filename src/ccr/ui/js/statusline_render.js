// What the status line editor needs to know about modules and colours. The preview itself is
// computed by the server with the same code as `ccr statusline` (POST /api/statusline/preview);
// here terminal colour names become CSS colours.

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

export const DEFAULT_MODULES = ["workDir", "gitBranch", "model", "usage", "context"];

// A common 16-colour terminal palette.
const PALETTE = {
  black: "#000000", red: "#cd3131", green: "#0dbc79", yellow: "#e5e510",
  blue: "#2472c8", magenta: "#bc3fbc", cyan: "#11a8cd", white: "#e5e5e5",
  bright_black: "#666666", bright_red: "#f14c4c", bright_green: "#23d18b", bright_yellow: "#f5f543",
  bright_blue: "#3b8eea", bright_magenta: "#d670d6", bright_cyan: "#29b8db", bright_white: "#ffffff",
};

export const SAMPLE = { model: "deepseek-chat", inputTokens: "12345", outputTokens: "678", gitBranch: "main" };

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
