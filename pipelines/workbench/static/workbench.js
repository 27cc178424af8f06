// Keyboard-first review: one keystroke per decision, no framework, no inline script (CSP).
"use strict";

function typing(target) {
  return target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" ||
                    target.tagName === "SELECT" || target.isContentEditable);
}

function setupPair() {
  const form = document.getElementById("decide");
  if (!form) return;
  const field = document.getElementById("decision");
  const note = document.getElementById("note");
  const submit = (value) => { field.name = "decision"; field.value = value; form.submit(); };
  form.querySelectorAll("button[data-decision]").forEach((button) => {
    button.addEventListener("click", (event) => {
      event.preventDefault();
      submit(button.dataset.decision);
    });
  });
  const keys = { y: "positive", n: "negative", u: "unsure" };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.key === "m") { event.preventDefault(); note.focus(); return; }
    const decision = keys[event.key.toLowerCase()];
    if (decision) { event.preventDefault(); submit(decision); }
  });
}

function setupQueue() {
  const rows = Array.from(document.querySelectorAll("table.queue tr.row"));
  if (!rows.length) return;
  let current = 0;
  const focus = (index) => {
    rows[current].classList.remove("focus");
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows[current].classList.add("focus");
    rows[current].scrollIntoView({ block: "nearest" });
  };
  focus(0);
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const row = rows[current];
    if (event.key === "j") focus(current + 1);
    else if (event.key === "k") focus(current - 1);
    else if (event.key === "Enter") window.location.href = row.dataset.href;
    else if (event.key === "x") {
      const box = row.querySelector("input[type=checkbox]");
      box.checked = !box.checked;
    } else if (event.key === "g") {
      // An obvious group: every record matched to the same list entry.
      rows.filter((r) => r.dataset.entry === row.dataset.entry)
          .forEach((r) => { r.querySelector("input[type=checkbox]").checked = true; });
    } else return;
    event.preventDefault();
  });
}

document.addEventListener("DOMContentLoaded", () => { setupPair(); setupQueue(); });
