// The theme switch. Without this script the pages follow the system's light or dark
// setting (prefers-color-scheme); with it, a visitor's own choice is kept in localStorage
// and applied before the page is drawn (this file is loaded in <head>, not deferred).
(() => {
  const KEY = "squadtime-theme";
  const root = document.documentElement;
  const saved = () => { try { return localStorage.getItem(KEY); } catch { return null; } };
  const system = () => (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
  const current = () => root.dataset.theme || system();
  const chosen = saved();
  if (chosen === "dark" || chosen === "light") root.dataset.theme = chosen;
  document.addEventListener("DOMContentLoaded", () => {
    const button = document.getElementById("theme");
    if (!button) return;
    const show = () => button.setAttribute("aria-pressed", String(current() === "dark"));
    button.hidden = false;
    show();
    button.addEventListener("click", () => {
      root.dataset.theme = current() === "dark" ? "light" : "dark";
      try { localStorage.setItem(KEY, root.dataset.theme); } catch { /* private mode */ }
      show();
    });
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", show);
  });
})();
