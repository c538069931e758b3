// Light, dark, or the system's choice; remembered in this browser (it is not a secret).
const KEY = "ccr.theme";
const ORDER = ["auto", "light", "dark"];
const LABEL = { auto: "Theme: system", light: "Theme: light", dark: "Theme: dark" };

function apply(theme) {
  const root = document.documentElement;
  if (theme === "auto") delete root.dataset.theme;
  else root.dataset.theme = theme;
  const btn = document.getElementById("theme");
  if (btn) btn.textContent = LABEL[theme];
}

export function initTheme() {
  let theme = localStorage.getItem(KEY);
  if (!ORDER.includes(theme)) theme = "auto";
  apply(theme);
  document.getElementById("theme")?.addEventListener("click", () => {
    theme = ORDER[(ORDER.indexOf(theme) + 1) % ORDER.length];
    localStorage.setItem(KEY, theme);
    apply(theme);
  });
}
