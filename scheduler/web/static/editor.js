// The post editor's live length counter: while a part's text is typed, the server counts it by the
// platform's own rule (POST /api/count, the same Python rules as the command line) and the part's
// counter (an aria-live region) says how long it is. Debounced: one request per pause in typing;
// an answer overtaken by a newer one is dropped.
(function () {
  "use strict";
  var form = document.getElementById("edit-form");
  if (!form) {
    return;
  }
  var token = form.querySelector('input[name="csrf_token"]').value;
  var data = form.dataset;
  var WAIT = 300;

  function words(template, length, limit) {
    return template
      .replace("{length}", String(length))
      .replace("{limit}", String(limit))
      .replace("{over}", String(length - limit));
  }

  function watch(area) {
    var output = document.getElementById(area.dataset.counter);
    var timer = null;
    var asked = 0;

    function count() {
      var number = ++asked;
      fetch(data.countUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
        body: JSON.stringify({
          platform: data.platform,
          account: data.account,
          text: area.value,
          spoiler_text: data.spoiler || ""
        })
      })
        .then(function (answer) {
          if (!answer.ok) {
            throw new Error(String(answer.status));
          }
          return answer.json();
        })
        .then(function (measured) {
          if (number !== asked) {
            return;
          }
          output.textContent = words(measured.over ? data.over : data.counting, measured.length, measured.limit);
          output.classList.toggle("over", measured.over);
          if (measured.over) {
            area.setAttribute("aria-invalid", "true");
          } else {
            area.removeAttribute("aria-invalid");
          }
        })
        .catch(function () {
          if (number === asked) {
            output.textContent = data.failed;
          }
        });
    }

    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(count, WAIT);
    });
  }

  Array.prototype.forEach.call(form.querySelectorAll("textarea[data-counter]"), watch);
})();
