// A conversation page, live: new messages and "Seen" receipts arrive over a
// WebSocket; while the socket is down, htmx polls the thread every 5 seconds
// (the #thread-poller element), so the page keeps working without it.
(function () {
  "use strict";

  var list = document.getElementById("thread-messages");
  if (!list) {
    return;
  }
  var me = list.dataset.me;
  var scroller = document.getElementById("chat-scroller");
  var status = document.getElementById("chat-status");
  var socket = null;
  var retryDelay = 1000;

  function scrollToEnd() {
    if (scroller) {
      scroller.scrollTop = scroller.scrollHeight;
    }
  }

  // The sender's page gets its message twice (the form's answer and the
  // socket): keep the first copy of each.
  function dedupe() {
    var seen = {};
    list.querySelectorAll(".bubble[data-id]").forEach(function (item) {
      if (seen[item.dataset.id]) {
        item.remove();
      }
      seen[item.dataset.id] = true;
    });
    var empty = document.getElementById("thread-empty");
    if (empty && list.querySelector(".bubble")) {
      empty.remove();
    }
  }

  function showStatus(live) {
    if (!status) {
      return;
    }
    status.textContent = live ? status.dataset.liveLabel : status.dataset.offlineLabel;
    status.classList.toggle("chat__status--live", live);
  }

  function startPolling() {
    if (document.getElementById("thread-poller")) {
      return;
    }
    var template = document.getElementById("thread-poller-template");
    if (!template || !window.htmx) {
      return;
    }
    var poller = template.content.firstElementChild.cloneNode(true);
    list.parentNode.parentNode.insertBefore(poller, template);
    window.htmx.process(poller);
  }

  function stopPolling() {
    var poller = document.getElementById("thread-poller");
    if (poller) {
      poller.remove();
    }
  }

  function markSeen(messageId) {
    var target = document.getElementById("m-" + messageId);
    if (!target) {
      return;
    }
    // "Seen" goes under the last of my messages at or before the one read.
    var mine = null;
    var items = list.querySelectorAll(".bubble");
    for (var i = 0; i < items.length; i += 1) {
      if (items[i].dataset.sender === me) {
        mine = items[i];
      }
      if (items[i] === target) {
        break;
      }
    }
    if (!mine) {
      return;
    }
    var old = document.getElementById("thread-seen");
    if (old) {
      old.remove();
    }
    var seen = document.createElement("li");
    seen.className = "thread__seen";
    seen.id = "thread-seen";
    seen.textContent = list.dataset.seenLabel;
    mine.insertAdjacentElement("afterend", seen);
  }

  function tellRead() {
    if (socket && socket.readyState === WebSocket.OPEN && !document.hidden) {
      socket.send(JSON.stringify({ type: "read" }));
    }
  }

  function receive(event) {
    var data;
    try {
      data = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    if (data.type === "message") {
      if (!document.getElementById("m-" + data.id)) {
        list.insertAdjacentHTML("beforeend", data.html);
        dedupe();
        scrollToEnd();
      }
      if (data.sender !== me) {
        tellRead();
      }
    } else if (data.type === "read" && data.reader !== me) {
      markSeen(data.message_id);
    }
  }

  function connect() {
    if (!("WebSocket" in window) || !list.dataset.socketPath) {
      return;
    }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + list.dataset.socketPath);
    socket.addEventListener("open", function () {
      retryDelay = 1000;
      stopPolling();
      showStatus(true);
      list.dataset.live = "true";
    });
    socket.addEventListener("message", receive);
    socket.addEventListener("close", function (event) {
      list.dataset.live = "false";
      showStatus(false);
      startPolling();
      // 4403/4404: this person may not listen here; do not knock again.
      if (event.code === 4403 || event.code === 4404) {
        return;
      }
      window.setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    });
  }

  document.addEventListener("visibilitychange", tellRead);

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === list) {
      dedupe();
      scrollToEnd();
    }
  });

  var form = document.getElementById("composer");
  if (form) {
    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.successful && !form.querySelector(".composer__notice--error")) {
        var notice = document.getElementById("composer-notice");
        if (!notice || !notice.classList.contains("composer__notice--error")) {
          form.reset();
          var name = document.getElementById("composer-file-name");
          if (name) {
            name.hidden = true;
          }
        }
      }
    });
    var textarea = form.querySelector("textarea");
    if (textarea) {
      // Enter sends, Shift+Enter starts a new line (as in every chat app).
      textarea.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          if (form.requestSubmit) {
            form.requestSubmit();
          } else {
            form.submit();
          }
        }
      });
    }
    var file = document.getElementById("composer-file");
    var fileName = document.getElementById("composer-file-name");
    if (file && fileName) {
      file.addEventListener("change", function () {
        fileName.hidden = !file.files.length;
        fileName.textContent = file.files.length ? file.files[0].name : "";
      });
    }
  }

  showStatus(false);
  scrollToEnd();
  connect();
})();
