// Apply the saved theme before first paint, so a dark-mode user never sees a white flash.
// A file of its own, not inline: the Content-Security-Policy allows scripts from 'self' only.
try {
  const t = localStorage.getItem("octo.theme");
  if (t === "light" || t === "dark") document.documentElement.dataset.theme = t;
} catch {}
