// Drag and drop on the pipeline board. Posts the same endpoint as the card's move form,
// with the CSRF token the <body> carries in hx-headers. Without JavaScript the form works.
document.addEventListener("DOMContentLoaded", () => {
  const board = document.querySelector("[data-pipeline-board]");
  if (!board) return;
  let csrf = "";
  try {
    csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch (error) {
    csrf = "";
  }
  let dragged = null;

  board.querySelectorAll(".pipeline-card[draggable='true']").forEach((card) => {
    card.addEventListener("dragstart", (event) => {
      dragged = card;
      card.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.dataset.deal || "");
    });
    card.addEventListener("dragend", () => {
      card.classList.remove("is-dragging");
      dragged = null;
    });
  });

  board.querySelectorAll(".pipeline-column").forEach((column) => {
    column.addEventListener("dragover", (event) => {
      if (!dragged) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      column.classList.add("is-drop-target");
    });
    column.addEventListener("dragleave", (event) => {
      if (!column.contains(event.relatedTarget)) column.classList.remove("is-drop-target");
    });
    column.addEventListener("drop", async (event) => {
      event.preventDefault();
      column.classList.remove("is-drop-target");
      const card = dragged;
      if (!card || card.closest(".pipeline-column") === column) return;
      const stage = column.dataset.stage;
      const url = card.dataset.moveUrl;
      const back = window.location.pathname + window.location.search;
      column.querySelector(".pipeline-cards").appendChild(card);
      let response = null;
      try {
        response = await fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "X-CSRFToken": csrf,
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams({ stage: stage, next: back }),
        });
      } catch (error) {
        response = null;
      }
      if (response && response.status === 204) {
        window.location.reload();  // fresh totals, probabilities and order
      } else {
        // Lost needs a reason (or something else went wrong): the move page explains.
        const params = new URLSearchParams({ stage: stage, next: back });
        window.location.assign(url + "?" + params.toString());
      }
    });
  });
});
