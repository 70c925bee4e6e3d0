// Minimal chat box. Bot text is always inserted with textContent, never as HTML.
(function () {
  "use strict";
  const messages = document.getElementById("messages");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const status = document.getElementById("status");
  const storageKey = "boussole-session";

  function sessionId() {
    let id = window.localStorage.getItem(storageKey);
    if (!id) {
      id = (window.crypto && crypto.randomUUID) ? crypto.randomUUID().replace(/-/g, "") :
        String(Date.now()) + Math.random().toString(16).slice(2);
      window.localStorage.setItem(storageKey, id);
    }
    return id;
  }

  // Links in bot text become <a> elements built node by node: only http(s) URLs.
  function appendText(parent, text) {
    const parts = text.split(/(https?:\/\/[^\s<>"'()]+[^\s<>"'().,;:!?])/);
    parts.forEach(function (part, index) {
      if (index % 2 === 1) {
        const link = document.createElement("a");
        link.href = part;
        link.textContent = part;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        parent.appendChild(link);
      } else if (part) {
        parent.appendChild(document.createTextNode(part));
      }
    });
  }

  function addMessage(author, text, buttons) {
    const item = document.createElement("li");
    item.className = "message " + author;
    const body = document.createElement("div");
    body.className = "text";
    appendText(body, text);
    item.appendChild(body);
    if (buttons && buttons.length) {
      const group = document.createElement("div");
      group.className = "buttons";
      buttons.forEach(function (button) {
        const element = document.createElement("button");
        element.type = "button";
        element.textContent = button.title;
        element.addEventListener("click", function () { send(button.payload, button.title); });
        group.appendChild(element);
      });
      item.appendChild(group);
    }
    messages.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  async function send(message, shown) {
    addMessage("user", shown || message);
    status.textContent = "L'assistant écrit…";
    try {
      const response = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ message: message, session_id: sessionId() })
      });
      const data = await response.json();
      if (!response.ok) {
        addMessage("bot error", data.error || "Une erreur est survenue.");
      } else {
        data.messages.forEach(function (m) { addMessage("bot", m.text, m.buttons); });
      }
      status.textContent = "";
    } catch (error) {
      status.textContent = "Connexion impossible : vérifiez votre réseau puis réessayez.";
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
  });
})();
