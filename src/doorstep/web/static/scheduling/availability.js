// The availability editor's conveniences: hide a day's ranges when it is off,
// show empty ranges one at a time ("Add another range"), copy Monday to the other
// weekdays, and show the holiday country and exception times only when they
// apply. Without this file the page still works: every field is shown.
(function () {
  "use strict";

  var WEEKDAYS = ["1", "2", "3", "4"]; // Tuesday to Friday (Monday is "0")

  function dayOf(weekday) {
    return document.querySelector('.week-day[data-day="' + weekday + '"]');
  }

  function rangesOf(day) {
    return Array.prototype.slice.call(day.querySelectorAll("[data-range]"));
  }

  function selectsOf(range) {
    return range.querySelectorAll("select");
  }

  function isBlank(range) {
    return Array.prototype.every.call(selectsOf(range), function (select) {
      return !select.value;
    });
  }

  function toggleOf(day) {
    return day.querySelector('.week-day__switch input[type="checkbox"]');
  }

  // Show filled ranges and the first one; hide the other empty ones behind the
  // "Add another range" button.
  function refresh(day) {
    var open = toggleOf(day).checked;
    var ranges = rangesOf(day);
    var shown = 0;
    ranges.forEach(function (range, index) {
      var show = index === 0 || !isBlank(range) || range.hasAttribute("data-keep");
      range.hidden = !show;
      if (show) {
        shown += 1;
      }
    });
    ranges.forEach(function (range) {
      var clear = range.querySelector("[data-clear-range]");
      clear.hidden = shown < 2 || range.hidden;
    });
    day.querySelector("[data-add-range]").hidden = shown >= ranges.length;
    day.querySelector("[data-ranges]").hidden = !open;
    day.querySelector("[data-closed-note]").hidden = open;
    day.classList.toggle("week-day--closed", !open);
  }

  function addRange(day) {
    var next = rangesOf(day).filter(function (range) {
      return range.hidden;
    })[0];
    if (next) {
      next.setAttribute("data-keep", "");
      refresh(day);
      selectsOf(next)[0].focus();
    }
  }

  function clearRange(day, range) {
    Array.prototype.forEach.call(selectsOf(range), function (select) {
      select.value = "";
    });
    range.removeAttribute("data-keep");
    // Keep the filled ranges at the top, so the hidden ones are the last.
    var parent = range.parentNode;
    parent.insertBefore(range, parent.querySelector("[data-add-range]"));
    renumber(day);
    refresh(day);
    toggleOf(day).focus();
  }

  // Moving a range changes its position, not its field names; the server reads
  // ranges by name, so the names follow the order on screen.
  function renumber(day) {
    var weekday = day.getAttribute("data-day");
    rangesOf(day).forEach(function (range, index) {
      var selects = selectsOf(range);
      var names = ["start", "end"];
      Array.prototype.forEach.call(selects, function (select, which) {
        var name = "d" + weekday + "_" + index + "_" + names[which];
        var label = range.querySelector('label[for="' + select.id + '"]');
        select.name = name;
        select.id = "id_" + name;
        if (label) {
          label.htmlFor = select.id;
        }
      });
    });
  }

  function copyMonday() {
    var monday = dayOf("0");
    var source = rangesOf(monday);
    WEEKDAYS.forEach(function (weekday) {
      var day = dayOf(weekday);
      if (!day) {
        return;
      }
      toggleOf(day).checked = toggleOf(monday).checked;
      rangesOf(day).forEach(function (range, index) {
        var from = source[index] ? selectsOf(source[index]) : [];
        Array.prototype.forEach.call(selectsOf(range), function (select, which) {
          select.value = from[which] ? from[which].value : "";
        });
        range.removeAttribute("data-keep");
      });
      refresh(day);
    });
  }

  function setUpWeek() {
    var days = document.querySelectorAll(".week-day");
    if (!days.length) {
      return;
    }
    Array.prototype.forEach.call(days, function (day) {
      toggleOf(day).addEventListener("change", function () {
        if (toggleOf(day).checked && isBlank(rangesOf(day)[0])) {
          // A day switched on gets the hours of the nearest day above it.
          var selects = selectsOf(rangesOf(day)[0]);
          var previous = day.previousElementSibling;
          while (previous && !toggleOf(previous).checked) {
            previous = previous.previousElementSibling;
          }
          if (previous) {
            var from = selectsOf(rangesOf(previous)[0]);
            selects[0].value = from[0].value;
            selects[1].value = from[1].value;
          }
        }
        refresh(day);
      });
      day.querySelector("[data-add-range]").addEventListener("click", function () {
        addRange(day);
      });
      rangesOf(day).forEach(function (range) {
        range
          .querySelector("[data-clear-range]")
          .addEventListener("click", function () {
            clearRange(day, range);
          });
      });
      refresh(day);
    });
    var copy = document.querySelector("[data-copy-monday]");
    if (copy) {
      copy.hidden = false;
      copy.addEventListener("click", copyMonday);
    }
  }

  function setUpHolidays() {
    var box = document.querySelector("[data-holidays]");
    if (!box) {
      return;
    }
    var toggle = box.querySelector('input[type="checkbox"]');
    var country = box.querySelector("[data-holiday-country]");
    function refreshHolidays() {
      country.hidden = !toggle.checked;
    }
    toggle.addEventListener("change", refreshHolidays);
    refreshHolidays();
  }

  function setUpExceptionForm() {
    var form = document.querySelector("[data-exception-form]");
    if (!form) {
      return;
    }
    var times = form.querySelector("[data-exception-times]");
    var kinds = form.querySelectorAll('input[name="kind"]');
    function refreshTimes() {
      var checked = form.querySelector('input[name="kind"]:checked');
      times.hidden = !checked || checked.value === "day_off";
    }
    Array.prototype.forEach.call(kinds, function (kind) {
      kind.addEventListener("change", refreshTimes);
    });
    refreshTimes();
  }

  function setUpCalendarLink() {
    var input = document.querySelector("[data-select-on-focus]");
    if (input) {
      input.addEventListener("focus", function () {
        input.select();
      });
    }
  }

  setUpWeek();
  setUpHolidays();
  setUpExceptionForm();
  setUpCalendarLink();
})();
