/* The pipeline board (crm/admin/board.py): drag a card to another stage, or use its
   "Move to" list and button; both submit the card's own form with fetch, then move the
   card and say what happened in the live region. Without this file the same forms post
   and the page comes back. No inline script or style anywhere (Content-Security-Policy). */
(function () {
  "use strict";

  var board = document.getElementById("crm-board");
  if (!board || !board.hasAttribute("data-can-move")) {
    return;
  }
  var status = document.getElementById("crm-board-status");
  var dialog = document.getElementById("crm-lost-dialog");
  var lostForm = document.getElementById("crm-lost-form");
  var lostReason = document.getElementById("crm-lost-reason");
  var lostError = document.getElementById("crm-lost-error");
  var lostLead = document.getElementById("crm-lost-lead");
  var pendingForm = null;

  function say(text) {
    // Emptied first, so that the same words said twice are read twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function cardOf(form) {
    return form.closest(".crm-board-card");
  }

  function cardName(card) {
    var name = card.querySelector(".crm-board-name");
    return name ? name.textContent.trim() : "";
  }

  function addToCount(stage, delta) {
    board.querySelectorAll('[data-count-for="' + stage + '"]').forEach(function (count) {
      count.textContent = String(Math.max(0, parseInt(count.textContent, 10) + delta));
    });
  }

  function moved(card, answer) {
    var select = card.querySelector('select[name="stage"]');
    if (answer.from === answer.stage) {
      return;
    }
    addToCount(answer.from, -1);
    if (!answer.open) {
      var column = card.closest(".crm-board-column");
      card.remove();
      var heading = column && column.querySelector("h2");
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus();
      }
      return;
    }
    addToCount(answer.stage, 1);
    var target = board.querySelector('.crm-board-column[data-stage="' + answer.stage + '"] .crm-board-cards');
    if (target) {
      target.insertBefore(card, target.firstChild);
    }
    card.setAttribute("data-stage", answer.stage);
    if (select) {
      select.value = answer.stage;
      select.focus();
    }
  }

  function send(form, reason) {
    var data = new FormData(form);
    if (reason !== undefined) {
      data.set("reason", reason);
    }
    var card = cardOf(form);
    card.setAttribute("aria-busy", "true");
    return fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, error: board.getAttribute("data-error") || response.statusText };
      });
    }).then(function (answer) {
      card.removeAttribute("aria-busy");
      if (answer.ok) {
        moved(card, answer);
        say(answer.message);
      } else if (answer.needs_reason) {
        askReason(form, reason === undefined ? "" : answer.error);
      } else {
        say(answer.error);
        var select = form.querySelector('select[name="stage"]');
        if (select) {
          select.value = card.getAttribute("data-stage");
        }
      }
      return answer;
    }).catch(function () {
      card.removeAttribute("aria-busy");
      say(board.getAttribute("data-error") || "");
    });
  }

  function askReason(form, error) {
    pendingForm = form;
    lostLead.textContent = cardName(cardOf(form));
    lostError.textContent = error || "";
    lostError.hidden = !error;
    if (error) {
      lostReason.setAttribute("aria-invalid", "true");
    } else {
      lostReason.removeAttribute("aria-invalid");
      lostReason.value = "";
    }
    if (!dialog.open) {
      dialog.showModal();
    }
    lostReason.focus();
  }

  function closeDialog(cancelled) {
    var form = pendingForm;
    pendingForm = null;
    if (dialog.open) {
      dialog.close();
    }
    if (form && cancelled) {
      var card = cardOf(form);
      var select = form.querySelector('select[name="stage"]');
      select.value = card.getAttribute("data-stage");
      select.focus();
      say(board.getAttribute("data-cancelled") || "");
    }
  }

  function submitCard(form) {
    var select = form.querySelector('select[name="stage"]');
    if (select.value === "lost") {
      askReason(form, "");
      return;
    }
    send(form);
  }

  board.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("crm-board-move")) {
      return;
    }
    event.preventDefault();
    submitCard(form);
  });

  lostForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var form = pendingForm;
    if (!form) {
      closeDialog(false);
      return;
    }
    send(form, lostReason.value).then(function (answer) {
      if (answer && answer.ok) {
        closeDialog(false);
      }
    });
  });
  document.getElementById("crm-lost-cancel").addEventListener("click", function () {
    closeDialog(true);
  });
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    closeDialog(true);
  });

  // Drag and drop: a card onto a column or a closed stage's target.
  var dragged = null;
  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".crm-board-card");
    if (!card) {
      return;
    }
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-lead"));
    card.classList.add("crm-dragging");
  });
  board.addEventListener("dragend", function () {
    if (dragged) {
      dragged.classList.remove("crm-dragging");
    }
    dragged = null;
    board.querySelectorAll(".crm-drop-active").forEach(function (zone) {
      zone.classList.remove("crm-drop-active");
    });
  });

  function dropZone(event) {
    return event.target.closest && event.target.closest(".crm-board-column, .crm-board-dropzone");
  }

  board.addEventListener("dragover", function (event) {
    var zone = dropZone(event);
    if (!zone || !dragged) {
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    zone.classList.add("crm-drop-active");
  });
  board.addEventListener("dragleave", function (event) {
    var zone = dropZone(event);
    if (zone && !zone.contains(event.relatedTarget)) {
      zone.classList.remove("crm-drop-active");
    }
  });
  board.addEventListener("drop", function (event) {
    var zone = dropZone(event);
    if (!zone || !dragged) {
      return;
    }
    event.preventDefault();
    zone.classList.remove("crm-drop-active");
    var stage = zone.getAttribute("data-stage");
    var card = dragged;
    if (stage === card.getAttribute("data-stage")) {
      return;
    }
    var form = card.querySelector("form.crm-board-move");
    form.querySelector('select[name="stage"]').value = stage;
    submitCard(form);
  });
})();
