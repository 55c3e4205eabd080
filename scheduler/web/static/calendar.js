// Drag a post's card onto another day: the same move as the card's own form (which works by
// keyboard and without this script), sent as JSON with the page's CSRF token. Every word it shows
// comes from the page, in the reader's language: the server's answer, or #calendar-status's
// data-failed when there is none.
(function () {
  "use strict";
  const grid = document.querySelector(".calendar[data-csrf]");
  const status = document.getElementById("calendar-status");
  if (!grid || !status) return;
  const token = grid.dataset.csrf;

  document.querySelectorAll(".card[draggable=true]").forEach(function (card) {
    card.addEventListener("dragstart", function (event) {
      event.dataTransfer.setData("text/plain", card.dataset.post);
      event.dataTransfer.effectAllowed = "move";
      card.classList.add("dragging");
    });
    card.addEventListener("dragend", function () {
      card.classList.remove("dragging");
    });
  });

  document.querySelectorAll(".day").forEach(function (day) {
    day.addEventListener("dragover", function (event) {
      event.preventDefault();
      day.classList.add("target");
    });
    day.addEventListener("dragleave", function () {
      day.classList.remove("target");
    });
    day.addEventListener("drop", function (event) {
      event.preventDefault();
      day.classList.remove("target");
      const post = event.dataTransfer.getData("text/plain");
      if (!post) return;
      fetch("/api/posts/" + encodeURIComponent(post) + "/move", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
        body: JSON.stringify({ day: day.dataset.day }),
        credentials: "same-origin",
      })
        .then(function (answer) {
          return answer.json().then(function (body) {
            return { ok: answer.ok, body: body };
          });
        })
        .then(function (result) {
          if (result.ok) {
            sessionStorage.setItem("calendar-message", result.body.message);
            window.location.reload();
          } else {
            status.textContent = result.body.error || status.dataset.failed;
          }
        })
        .catch(function () {
          status.textContent = status.dataset.failed;
        });
    });
  });

  const kept = sessionStorage.getItem("calendar-message");
  if (kept) {
    status.textContent = kept;
    sessionStorage.removeItem("calendar-message");
  }
})();
