// The stand-up's time-box: a countdown from the team's timebox_minutes, started and reset by the facilitator.
// Without JavaScript the element stays a plain sentence ("Time-box: 15 minutes.").
(function () {
  "use strict";
  function format(seconds) {
    var sign = seconds < 0 ? "-" : "";
    var s = Math.abs(seconds);
    var m = Math.floor(s / 60);
    var r = s % 60;
    return sign + m + ":" + (r < 10 ? "0" : "") + r;
  }
  function setUp(box) {
    var total = parseInt(box.getAttribute("data-seconds"), 10) || 900;
    var left = total;
    var timer = null;
    var label = document.createElement("span");
    label.className = "standup-clock";
    var start = document.createElement("button");
    start.type = "button";
    start.textContent = "Start";
    var reset = document.createElement("button");
    reset.type = "button";
    reset.textContent = "Reset";
    function show() {
      label.textContent = "Time-box " + format(left) + (left <= 0 ? " — time is up" : "");
      box.classList.toggle("standup-over", left <= 0);
    }
    function tick() {
      left -= 1;
      show();
    }
    start.addEventListener("click", function () {
      if (timer === null) {
        timer = window.setInterval(tick, 1000);
        start.textContent = "Pause";
      } else {
        window.clearInterval(timer);
        timer = null;
        start.textContent = "Start";
      }
    });
    reset.addEventListener("click", function () {
      if (timer !== null) {
        window.clearInterval(timer);
        timer = null;
      }
      start.textContent = "Start";
      left = total;
      show();
    });
    box.textContent = "";
    box.appendChild(label);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(start);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(reset);
    show();
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("standup-timer");
    if (box) {
      setUp(box);
    }
  });
})();
