// The APIKEY prompt: shown when the server answers 401, once per tab.
import { h } from "./dom.js";

export function askForKey(wrong) {
  return new Promise((resolve) => {
    const input = h("input", {
      type: "password",
      id: "login-key",
      autocomplete: "current-password",
      required: true,
      "aria-describedby": "login-help",
    });
    const problem = h("p", { class: "field-error", role: "alert", text: wrong ? "That key was not accepted. Try again." : "", hidden: !wrong });
    const form = h(
      "form",
      { method: "dialog" },
      h("h2", { text: "Router key" }),
      h("p", {
        id: "login-help",
        text: "This router has an APIKEY. Enter it once; it is kept for this tab only and sent with every request to /api/.",
      }),
      h("label", { for: "login-key", text: "APIKEY" }),
      input,
      problem,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: "Unlock" })),
    );
    const dialog = h("dialog", { class: "login", "aria-labelledby": "login-title" }, form);
    form.querySelector("h2").id = "login-title";
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!input.value) return;
      dialog.close();
      dialog.remove();
      resolve(input.value);
    });
    // The page is useless without the key: Escape keeps the prompt open.
    dialog.addEventListener("cancel", (e) => e.preventDefault());
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}
