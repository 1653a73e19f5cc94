// Paper Radar: small progressive enhancements. Every control works without this file.
"use strict";
(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  const toast = (text) => {
    const el = document.getElementById("toast");
    el.textContent = text;
    el.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { el.hidden = true; }, 2600);
  };
  const WORDS = { like: "Like", dislike: "Dislike", save: "Save" };
  const DONE = { like: "Liked: papers like it move up in the next ranking.",
                 dislike: "Disliked: papers like it move down.",
                 save: "Saved to your profile." };

  // Show a paper's feedback state on every copy of its buttons.
  function paint(paperId, marks) {
    document.querySelectorAll('.fb[data-paper="' + CSS.escape(paperId) + '"]').forEach((box) => {
      box.querySelectorAll("form").forEach((form) => {
        const kind = form.elements.kind.value;
        const on = marks.includes(kind);
        const button = form.querySelector("button");
        button.setAttribute("aria-pressed", on ? "true" : "false");
        button.title = WORDS[kind] + (on ? " (press again to undo)" : "");
        button.querySelector(".fb-word").textContent = WORDS[kind] + (on ? "d" : "");
        let undo = form.querySelector('input[name="undo"]');
        if (on && !undo) {
          undo = document.createElement("input");
          undo.type = "hidden"; undo.name = "undo"; undo.value = "1";
          form.appendChild(undo);
        } else if (!on && undo) {
          undo.remove();
        }
      });
    });
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.classList.contains("fb-form")) return;
    event.preventDefault();
    const body = { paper: form.elements.paper.value, kind: form.elements.kind.value,
                   undo: Boolean(form.elements.undo) };
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const response = await fetch("/api/feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
      const data = await response.json();
      if (!response.ok) throw new Error(data.detail || response.statusText);
      paint(body.paper, data.feedback);
      toast(body.undo ? "Taken back." : DONE[body.kind]);
    } catch (error) {
      toast("Could not save that: " + error.message);
    } finally {
      button.disabled = false;
    }
  });

  // "Another batch": the next best cards not shown yet, whatever the ranking did meanwhile.
  const another = document.getElementById("another");
  const cards = document.getElementById("cards");
  if (another && cards) {
    const shown = new Set([...cards.querySelectorAll(".card")].map((c) => c.dataset.pk));
    another.addEventListener("click", async (event) => {
      event.preventDefault();
      const params = new URLSearchParams(JSON.parse(cards.dataset.filters || "{}"));
      params.set("day", cards.dataset.day);
      params.set("shown", [...shown].join(","));
      another.setAttribute("aria-busy", "true");
      try {
        const response = await fetch("/cards?" + params.toString(), { credentials: "same-origin" });
        if (!response.ok) throw new Error(response.statusText);
        const html = await response.text();
        const remaining = Number(response.headers.get("X-Radar-Remaining") || "0");
        const box = document.createElement("div");
        box.innerHTML = html;
        const fresh = [...box.querySelectorAll(".card")];
        if (!fresh.length) {
          another.replaceWith(Object.assign(document.createElement("span"), {
            className: "count", textContent: "You have seen every paper of this day." }));
          return;
        }
        cards.replaceChildren(...fresh);
        fresh.forEach((c) => { c.classList.add("fresh"); shown.add(c.dataset.pk); });
        const count = document.querySelector(".batch-bar .count");
        if (count) count.textContent = shown.size + " seen · " + remaining + " more";
        if (!remaining) {
          another.replaceWith(Object.assign(document.createElement("span"), {
            className: "count", textContent: "That was the last batch of this day." }));
        }
        cards.scrollIntoView({ behavior: "smooth", block: "start" });
      } catch (error) {
        toast("Could not load another batch: " + error.message);
      } finally {
        another.removeAttribute("aria-busy");
      }
    });
  }

  // Filters and the date apply as soon as they change.
  document.querySelectorAll(".datepick input[type=date], form.filters:not(.searchbar):not(.inline) select, form.filters:not(.searchbar):not(.inline) input[type=checkbox]")
    .forEach((input) => input.addEventListener("change", () => input.form.requestSubmit()));
})();
