// The admin console's only script, served from the binary (no CDN). Every page works without
// it; it adds copy buttons, confirmation dialogs and live tool counts on the create form.
"use strict";

function copyText(id) {
  const element = document.getElementById(id);
  if (!element) return Promise.reject(new Error("nothing to copy"));
  const text = "value" in element ? element.value : element.textContent;
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  // Plain-HTTP consoles on a non-loopback host have no clipboard API: select and copy.
  const scratch = document.createElement("textarea");
  scratch.value = text;
  scratch.setAttribute("readonly", "");
  document.body.appendChild(scratch);
  scratch.select();
  const done = document.execCommand("copy");
  scratch.remove();
  return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
}

function setUpCopyButtons() {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", () => {
      const id = button.dataset.copy;
      const status = document.querySelector(`[data-copied-for="${id}"]`);
      copyText(id).then(
        () => { if (status) status.textContent = "Copied."; },
        () => { if (status) status.textContent = "Could not copy: select the text and copy it by hand."; },
      );
    });
  }
}

function setUpConfirmations() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (window.confirm(form.dataset.confirm)) {
        form.querySelector('input[name="confirmed"]').value = "yes";
      } else {
        event.preventDefault();
      }
    });
  }
}

function setUpToolCounts() {
  const form = document.getElementById("create-server");
  if (!form) return;
  for (const element of form.querySelectorAll("[data-no-js-only]")) element.hidden = true;
  const total = document.getElementById("tool-count");
  let latest = 0;
  async function refresh() {
    const query = new URLSearchParams();
    for (const box of form.querySelectorAll('input[type="checkbox"]:checked')) {
      if (box.name === "methods" || box.name === "tags") query.append(box.name, box.value);
    }
    const asked = ++latest;
    const response = await fetch(`/admin/tool-count?${query}`, { credentials: "same-origin" });
    if (!response.ok || asked !== latest) return;
    const counts = await response.json();
    total.value = counts.total;
    total.textContent = counts.total;
    for (const [kind, values] of [["tags", counts.tags], ["methods", counts.methods]]) {
      for (const [name, count] of Object.entries(values)) {
        const span = form.querySelector(`[data-count-for="${kind}:${name}"]`);
        if (span) span.textContent = `(${count})`;
      }
    }
  }
  form.addEventListener("change", (event) => {
    if (event.target.name === "methods" || event.target.name === "tags") refresh().catch(() => {});
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setUpCopyButtons();
  setUpConfirmations();
  setUpToolCounts();
});
