// Share buttons ({% share_buttons %}): copy the link with a visible
// confirmation, and the phone's own share sheet where the browser has one.
// Without this file the link stays in a read-only field and the app links work.
(function () {
  "use strict";

  function copyWithSelection(input) {
    // Older browsers, or a page that is not a secure context: copy the
    // selected text of the field.
    input.focus();
    input.select();
    input.setSelectionRange(0, input.value.length);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function copy(text, input) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(
        function () {
          return true;
        },
        function () {
          return copyWithSelection(input);
        }
      );
    }
    return Promise.resolve(copyWithSelection(input));
  }

  function say(root, status, message) {
    status.textContent = message;
    root.classList.add("share--said");
  }

  function setUp(root) {
    if (root.hasAttribute("data-share-ready")) {
      return; // the script is included once per share box; set each up once
    }
    root.setAttribute("data-share-ready", "");
    var url = root.getAttribute("data-share-url");
    var text = root.getAttribute("data-share-text") || "";
    var input = root.querySelector("[data-share-input]");
    var status = root.querySelector("[data-share-status]");
    var copyButton = root.querySelector("[data-share-copy]");
    var nativeButton = root.querySelector("[data-share-native]");

    copyButton.hidden = false;
    copyButton.addEventListener("click", function () {
      copy(url, input).then(function (copied) {
        if (copied) {
          say(root, status, root.getAttribute("data-share-copied"));
        } else {
          input.select();
          say(root, status, root.getAttribute("data-share-failed"));
        }
      });
    });

    if (typeof navigator.share === "function") {
      nativeButton.hidden = false;
      nativeButton.addEventListener("click", function () {
        navigator.share({ title: text, text: text, url: url }).catch(function () {
          // Closing the share sheet is not an error worth showing.
        });
      });
    }
  }

  function setUpAll(scope) {
    scope.querySelectorAll("[data-share]").forEach(setUp);
  }

  setUpAll(document);
  // Share boxes that arrive in an htmx swap.
  document.addEventListener("htmx:load", function (event) {
    if (event.target && event.target.querySelectorAll) {
      setUpAll(event.target);
    }
  });
})();
