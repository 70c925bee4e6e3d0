// Boussole Export widget: one <script> tag on any page, no build step, no dependency.
//   <script src="https://assistant.example/widget.js" data-server="https://assistant.example"
//           data-title="Boussole Export" data-open="false" defer></script>
// The widget lives in a shadow root so that the partner's styles and ours never mix.
// Bot text is only ever inserted as text nodes; links are built element by element.
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__boussoleWidget) { return; }
  window.__boussoleWidget = true;

  var scriptUrl = new URL(script.getAttribute("src"), window.location.href);
  var SERVER = (script.getAttribute("data-server") || scriptUrl.origin).replace(/\/+$/, "");
  var TITLE = script.getAttribute("data-title") || "Boussole Export";
  var START_OPEN = script.getAttribute("data-open") === "true";
  var SLOW_AFTER_MS = 6000;
  var GIVE_UP_AFTER_MS = 45000;
  var KEYS = { session: "boussole-export:session", privacy: "boussole-export:privacy-seen",
               open: "boussole-export:open" };
  var URL_PATTERN = /(https?:\/\/[^\s<>"]+[^\s<>"().,;:!?»])/;

  // localStorage can be missing or refused (private modes): the widget then works for the page's life.
  var memory = {};
  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return memory[key] || null; }
  }
  function save(key, value) {
    try {
      if (value === null) { window.localStorage.removeItem(key); } else { window.localStorage.setItem(key, value); }
    } catch (e) { memory[key] = value; }
  }
  // 128 random bits in hex: a conversation's id, or a message's.
  function randomId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function sessionId() {
    var id = load(KEYS.session);
    // The server accepts 128-bit random ids only (bot/website/sessions.py).
    if (!id || !/^[0-9a-f]{32}$/.test(id)) { id = randomId(); save(KEYS.session, id); }
    return id;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "className") { node.className = attrs[name]; } else { node.setAttribute(name, attrs[name]); }
    });
    if (text) { node.textContent = text; }
    return node;
  }

  function link(url, label) {
    var a = el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, label || url);
    return a;
  }

  // Text with its http(s) addresses turned into links; anything else stays text.
  function appendText(parent, text) {
    String(text).split(URL_PATTERN).forEach(function (part, index) {
      if (index % 2 === 1) { parent.appendChild(link(part)); } else if (part) { parent.appendChild(document.createTextNode(part)); }
    });
  }

  // « bpifrance.fr › assurance-prospection »: the site and the page, readable in a list.
  function shortUrl(url) {
    try {
      var parsed = new URL(url);
      var segments = parsed.pathname.split("/").filter(Boolean);
      var page = segments.length ? decodeURIComponent(segments[segments.length - 1]).replace(/\.html?$/, "") : "";
      if (page.length > 48) { page = page.slice(0, 46) + "…"; }
      return parsed.hostname.replace(/^www\./, "") + (page ? " › " + page : "");
    } catch (e) { return url; }
  }

  // ---- DOM -------------------------------------------------------------------------------
  var host = el("div", { id: "boussole-export-widget" });
  var shadow = host.attachShadow({ mode: "open" });
  var stylesheet = el("link", { rel: "stylesheet", href: SERVER + "/widget.css" });
  var root = el("div", { className: "bw-root", hidden: "" });
  stylesheet.addEventListener("load", function () { root.removeAttribute("hidden"); });
  stylesheet.addEventListener("error", function () { root.removeAttribute("hidden"); });
  shadow.appendChild(stylesheet);
  shadow.appendChild(root);

  var launcher = el("button", { type: "button", className: "bw-launcher", "aria-expanded": "false",
                                "aria-controls": "bw-panel" });
  launcher.appendChild(el("span", { className: "bw-launcher-icon", "aria-hidden": "true" }, "💬"));
  launcher.appendChild(el("span", {}, "Une question sur l'export ?"));

  var panel = el("section", { id: "bw-panel", className: "bw-panel", role: "dialog", "aria-modal": "false",
                              "aria-labelledby": "bw-title", hidden: "" });
  var header = el("div", { className: "bw-header" });
  header.appendChild(el("h2", { id: "bw-title", className: "bw-title" }, TITLE));
  var newButton = el("button", { type: "button", className: "bw-new" }, "Nouvelle conversation");
  var closeButton = el("button", { type: "button", className: "bw-close", "aria-label": "Fermer l'assistant" }, "×");
  header.appendChild(newButton);
  header.appendChild(closeButton);

  var privacy = el("div", { id: "bw-privacy", className: "bw-privacy", role: "region", "aria-labelledby": "bw-privacy-title", hidden: "" });
  privacy.appendChild(el("h3", { id: "bw-privacy-title" }, "Vos données"));
  privacy.appendChild(el("p", {}, "Vos messages et vos avis sont enregistrés pour vous répondre et améliorer " +
    "l'assistant. N'y indiquez pas de données personnelles."));
  var privacyId = el("p", { className: "bw-privacy-number" });
  privacy.appendChild(privacyId);
  var privacyOk = el("button", { type: "button", className: "bw-primary" }, "J'ai compris");
  privacy.appendChild(privacyOk);

  var log = el("div", { className: "bw-log", role: "log", "aria-live": "polite", "aria-label": "Messages de la conversation" });
  var status = el("div", { className: "bw-status", role: "status" });
  var alertBox = el("div", { className: "bw-alert", role: "alert", hidden: "" });
  var alertText = el("p", {});
  var retryButton = el("button", { type: "button", className: "bw-primary" }, "Réessayer");
  alertBox.appendChild(alertText);
  alertBox.appendChild(retryButton);

  var form = el("form", { className: "bw-composer" });
  form.appendChild(el("label", { "for": "bw-input", className: "bw-label" }, "Votre question"));
  var row = el("div", { className: "bw-row" });
  var input = el("textarea", { id: "bw-input", rows: "2", autocomplete: "off",
                               placeholder: "Par exemple : c'est quoi l'Assurance Prospection ?",
                               "aria-describedby": "bw-hint" });
  var sendButton = el("button", { type: "submit", className: "bw-primary" }, "Envoyer");
  row.appendChild(input);
  row.appendChild(sendButton);
  form.appendChild(row);
  form.appendChild(el("p", { id: "bw-hint", className: "bw-hint" }, "Entrée pour envoyer, Maj + Entrée pour aller à la ligne."));

  // Once the notice is read, this one line is all that is left of it.
  var footer = el("div", { className: "bw-footer" });
  footer.appendChild(el("span", {}, "Conversation enregistrée. "));
  var privacyLink = el("button", { type: "button", className: "bw-linklike", "aria-controls": "bw-privacy",
                                   "aria-expanded": "false" }, "Vos données");
  footer.appendChild(privacyLink);

  [header, privacy, log, status, alertBox, form, footer].forEach(function (part) { panel.appendChild(part); });
  root.appendChild(launcher);
  root.appendChild(panel);

  // ---- Messages --------------------------------------------------------------------------
  var lastQuestion = "";
  var historyLoaded = false;
  var pending = null;
  var busy = false;

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function addUser(text) {
    var item = el("div", { className: "bw-msg bw-user" });
    item.appendChild(el("span", { className: "bw-sr" }, "Vous : "));
    var bubble = el("div", { className: "bw-bubble" });
    appendText(bubble, text);
    item.appendChild(bubble);
    log.appendChild(item);
    lastQuestion = text;
    scrollDown();
    return item;
  }

  // One list per verification date (and officialness), each address once, with the
  // page's own date when the source gives it: `listedOnly`, the sources each citation's
  // sentence lists (its first `shown`), else all of them.
  function sourceGroups(sources, listedOnly) {
    var seen = {};
    var groups = [];
    var count = 0;
    (sources || []).forEach(function (citation) {
      var official = citation.official !== false;
      var pages = citation.page_labels || [];
      var urls = citation.urls || [];
      if (listedOnly && typeof citation.shown === "number") { urls = urls.slice(0, citation.shown); }
      var entries = [];
      urls.forEach(function (url, i) {
        if (seen[url] || !/^https?:\/\//.test(url)) { return; }
        seen[url] = true;
        entries.push({ url: url, page: pages[i] || null });
      });
      if (!entries.length) { return; }
      count += entries.length;
      var last = groups[groups.length - 1];
      if (last && last.label === citation.verified_label && last.official === official) {
        last.entries = last.entries.concat(entries);
      } else {
        groups.push({ label: citation.verified_label, official: official, entries: entries });
      }
    });
    return { groups: groups, count: count };
  }

  function appendSourceGroups(parent, groups) {
    groups.forEach(function (group) {
      var plural = group.entries.length > 1;
      var title = plural ? "Sources vérifiées le " : "Source vérifiée le ";
      if (!group.official) {
        title = plural ? "Sources non officielles, vérifiées le " : "Source non officielle, vérifiée le ";
      }
      parent.appendChild(el("p", { className: "bw-sources-title" }, title + group.label + " :"));
      var list = el("ul", {});
      group.entries.forEach(function (entry) {
        var row = el("li", {});
        row.appendChild(link(entry.url, shortUrl(entry.url)));
        if (entry.page) { row.appendChild(document.createTextNode(" (page du " + entry.page + ")")); }
        list.appendChild(row);
      });
      parent.appendChild(list);
    });
  }

  // The sources that carry the answer, as its text lists them; when it rests on more, all
  // of them behind « Toutes les sources (N) », a native disclosure (keyboard and screen
  // readers know it). A message of an older conversation only counts the ones it omits.
  function addSources(item, sources) {
    var listed = sourceGroups(sources, true);
    if (!listed.groups.length) { return; }
    var box = el("div", { className: "bw-sources" });
    appendSourceGroups(box, listed.groups);
    var all = sourceGroups(sources, false);
    if (all.count > listed.count) {
      var more = el("details", { className: "bw-all-sources" });
      more.appendChild(el("summary", {}, "Toutes les sources (" + all.count + ")"));
      appendSourceGroups(more, all.groups);
      box.appendChild(more);
    }
    var unlisted = (sources || []).reduce(function (sum, citation) { return sum + (citation.unlisted || 0); }, 0);
    if (unlisted) {
      box.appendChild(el("p", { className: "bw-sources-title" },
        unlisted === 1 ? "… et 1 autre source" : "… et " + unlisted + " autres sources"));
    }
    item.appendChild(box);
  }

  function addQuickReplies(item, buttons) {
    if (!buttons || !buttons.length) { return; }
    var group = el("div", { className: "bw-quick", role: "group", "aria-label": "Réponses proposées" });
    buttons.forEach(function (button) {
      var choice = el("button", { type: "button", className: "bw-choice" }, button.title);
      choice.addEventListener("click", function () { send(button.payload, button.title, false); });
      group.appendChild(choice);
    });
    item.appendChild(group);
  }

  function addFeedback(item, answerText, question) {
    var group = el("div", { className: "bw-feedback", role: "group", "aria-label": "Votre avis sur cette réponse" });
    var up = el("button", { type: "button", className: "bw-rate", "aria-pressed": "false", "aria-label": "Réponse utile" }, "👍");
    var down = el("button", { type: "button", className: "bw-rate", "aria-pressed": "false", "aria-label": "Réponse pas utile" }, "👎");
    group.appendChild(up);
    group.appendChild(down);
    var feedbackForm = el("form", { className: "bw-feedback-form", hidden: "" });
    var commentId = "bw-comment-" + Math.random().toString(36).slice(2);
    feedbackForm.appendChild(el("label", { "for": commentId }, "Un commentaire ? (facultatif)"));
    var comment = el("textarea", { id: commentId, rows: "2", maxlength: "1000" });
    feedbackForm.appendChild(comment);
    var actions = el("div", { className: "bw-row" });
    var submit = el("button", { type: "submit", className: "bw-primary" }, "Envoyer mon avis");
    var cancel = el("button", { type: "button", className: "bw-secondary" }, "Annuler");
    actions.appendChild(submit);
    actions.appendChild(cancel);
    feedbackForm.appendChild(actions);
    var feedbackStatus = el("p", { className: "bw-feedback-status", role: "status", tabindex: "-1" });
    var rating = null;

    function choose(value) {
      rating = value;
      up.setAttribute("aria-pressed", String(value === "up"));
      down.setAttribute("aria-pressed", String(value === "down"));
      feedbackForm.removeAttribute("hidden");
      feedbackStatus.textContent = "";
      comment.focus();
    }
    function closeForm() {
      feedbackForm.setAttribute("hidden", "");
      up.setAttribute("aria-pressed", "false");
      down.setAttribute("aria-pressed", "false");
      (rating === "down" ? down : up).focus();
      rating = null;
    }
    up.addEventListener("click", function () { choose("up"); });
    down.addEventListener("click", function () { choose("down"); });
    cancel.addEventListener("click", closeForm);
    feedbackForm.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.stopPropagation(); closeForm(); }
    });
    feedbackForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!rating) { return; }
      submit.disabled = true;
      feedbackStatus.textContent = "Envoi de votre avis…";
      postJson("/api/feedback", { session_id: sessionId(), rating: rating, comment: comment.value,
                                  answer_text: answerText, question_text: question })
        .then(function (result) {
          if (result.ok) {
            feedbackForm.remove();
            up.disabled = true;
            down.disabled = true;
            feedbackStatus.textContent = "Merci pour votre avis.";
            // The form and its buttons are gone: keep the keyboard in the conversation.
            feedbackStatus.focus();
          } else {
            submit.disabled = false;
            feedbackStatus.textContent = result.message;
          }
        });
    });
    item.appendChild(group);
    item.appendChild(feedbackForm);
    item.appendChild(feedbackStatus);
  }

  function addBot(message, options) {
    var item = el("div", { className: "bw-msg bw-bot" + (options && options.local ? " bw-local" : "") });
    item.appendChild(el("span", { className: "bw-sr" }, "L'assistant : "));
    var bubble = el("div", { className: "bw-bubble" });
    appendText(bubble, message.body !== undefined ? message.body : message.text);
    item.appendChild(bubble);
    addSources(item, message.sources);
    addQuickReplies(item, message.buttons);
    if (!(options && options.local)) { addFeedback(item, message.text || "", (options && options.question) || lastQuestion); }
    log.appendChild(item);
    scrollDown();
    return item;
  }

  function welcome() {
    addBot({ text: "Bonjour ! Je réponds à vos questions sur l'export : aides et financements, démarches, " +
                   "risques, interlocuteurs près de chez vous. Chaque réponse cite sa source.",
             buttons: [{ title: "Quelles aides pour exporter ?", payload: "Quelles aides existent pour exporter ?" },
                       { title: "Qui peut m'accompagner ?", payload: "Par où commencer pour exporter ? Qui peut m'accompagner ?" }] },
           { local: true });
  }

  // ---- Network ---------------------------------------------------------------------------
  function describeFailure(response, data) {
    if (data && typeof data.error === "string") { return data.error; }
    if (response.status === 429) { return "Vous envoyez beaucoup de messages : patientez un instant, puis réessayez."; }
    return "L'assistant est momentanément indisponible. Réessayez dans quelques instants.";
  }

  // Resolves to {ok, status, data, message}; never rejects, so that no message is lost silently.
  function postJson(path, body, signal) {
    return fetch(SERVER + path, { method: "POST", mode: "cors", credentials: "omit", signal: signal,
                                  headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (data) {
          return { ok: response.ok, status: response.status, data: data,
                   message: response.ok ? "" : describeFailure(response, data) };
        });
      })
      .catch(function (error) {
        var aborted = error && error.name === "AbortError";
        return { ok: false, status: 0, data: null, network: true,
                 message: aborted ? "L'assistant met trop de temps à répondre. Vérifiez votre connexion, puis réessayez."
                                  : "Impossible de joindre l'assistant : vérifiez votre connexion, puis réessayez." };
      });
  }

  function showTyping(text) {
    status.textContent = "";
    if (text) {
      var typing = el("div", { className: "bw-typing" });
      typing.appendChild(el("span", { className: "bw-dots", "aria-hidden": "true" }));
      typing.appendChild(el("span", {}, text));
      status.appendChild(typing);
    }
  }

  function showAlert(text, canRetry) {
    alertText.textContent = text;
    if (canRetry) { retryButton.removeAttribute("hidden"); } else { retryButton.setAttribute("hidden", ""); }
    alertBox.removeAttribute("hidden");
  }
  function hideAlert() { alertBox.setAttribute("hidden", ""); alertText.textContent = ""; }

  // A message keeps its id when « Réessayer » sends it again: the server answers it once.
  function send(payload, shown, typed, messageId) {
    if (busy) { return; }
    hideAlert();
    // Writing while the notice is shown is reading it: the answer gets the room.
    if (!privacy.hasAttribute("hidden")) { privacyRead(); }
    busy = true;
    sendButton.disabled = true;
    var question = shown || payload;
    var bubble = addUser(question);
    messageId = messageId || randomId();
    pending = { payload: payload, shown: shown, typed: typed, messageId: messageId };
    showTyping("L'assistant écrit…");
    var controller = new AbortController();
    var slow = setTimeout(function () {
      showTyping("La réponse tarde un peu : merci de patienter…");
    }, SLOW_AFTER_MS);
    var giveUp = setTimeout(function () { controller.abort(); }, GIVE_UP_AFTER_MS);
    postJson("/api/chat", { message: payload, session_id: sessionId(), message_id: messageId }, controller.signal).then(function (result) {
      clearTimeout(slow);
      clearTimeout(giveUp);
      showTyping("");
      busy = false;
      sendButton.disabled = false;
      if (result.ok) {
        if (result.data.session_id) { save(KEYS.session, result.data.session_id); }
        showNumber();
        if (typed && input.value === payload) { input.value = ""; }
        pending = null;
        var first = null;
        (result.data.messages || []).forEach(function (m) {
          var added = addBot(m, { question: question });
          first = first || added;
        });
        // A long answer is read from its start, not from its last line.
        if (first) { log.scrollTop = Math.max(0, first.offsetTop - 8); }
        return;
      }
      bubble.remove();
      // The typed text goes back into the box unless something new was typed meanwhile.
      if (typed && !input.value.trim()) { input.value = payload; }
      var tooLong = result.status === 413 || result.status === 400;
      if (tooLong) { pending = null; }
      showAlert(result.message, !tooLong);
      if (tooLong) { input.focus(); }
    });
  }

  function loadHistory() {
    if (historyLoaded) { return; }
    historyLoaded = true;
    var id = load(KEYS.session);
    if (!id) { welcome(); return; }
    status.textContent = "Chargement de la conversation…";
    fetch(SERVER + "/api/history?session_id=" + encodeURIComponent(id), { mode: "cors", credentials: "omit" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        status.textContent = "";
        var messages = data.messages || [];
        if (!messages.length) { welcome(); return; }
        var question = "";
        messages.forEach(function (m) {
          if (m.author === "user") { addUser(m.text); question = m.text; } else { addBot(m, { question: question }); }
        });
      })
      .catch(function () {
        status.textContent = "";
        welcome();
        showAlert("La conversation précédente n'a pas pu être rechargée. Vous pouvez poursuivre ici.", false);
      });
  }

  // ---- Opening, closing, keyboard --------------------------------------------------------
  // The number the website gave this conversation: the one to quote to have it erased.
  function showNumber() {
    var id = load(KEYS.session);
    privacyId.textContent = "";
    if (!id) {
      privacyId.textContent = "Votre numéro de conversation s'affichera ici après votre premier message ; " +
        "citez-le à l'éditeur de ce site pour faire effacer vos données.";
      return;
    }
    privacyId.appendChild(document.createTextNode("Votre numéro de conversation : "));
    privacyId.appendChild(el("strong", { className: "bw-number" }, id));
    privacyId.appendChild(document.createTextNode(" — citez-le à l'éditeur de ce site pour faire effacer vos données."));
  }

  function showPrivacy() {
    showNumber();
    privacy.removeAttribute("hidden");
    privacyLink.setAttribute("aria-expanded", "true");
  }

  // Read: closed with « J'ai compris », or the person wrote while it was shown. It then
  // shrinks to the footer's line, here and on every later visit.
  function privacyRead() {
    save(KEYS.privacy, "1");
    privacy.setAttribute("hidden", "");
    privacyLink.setAttribute("aria-expanded", "false");
  }

  function isOpen() { return !panel.hasAttribute("hidden"); }

  // Focus moves only when the person asked to open: a reload never steals it.
  function open(moveFocus) {
    panel.removeAttribute("hidden");
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("hidden", "");
    save(KEYS.open, "1");
    loadHistory();
    if (!load(KEYS.privacy)) {
      showPrivacy();
      if (moveFocus) { privacyOk.focus(); }
    } else if (moveFocus) {
      input.focus();
    }
  }

  function close() {
    panel.setAttribute("hidden", "");
    launcher.removeAttribute("hidden");
    launcher.setAttribute("aria-expanded", "false");
    save(KEYS.open, null);
    launcher.focus();
  }

  launcher.addEventListener("click", function () { open(true); });
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); close(); }
  });
  privacyOk.addEventListener("click", function () {
    privacyRead();
    input.focus();
  });
  privacyLink.addEventListener("click", function () {
    showPrivacy();
    privacyOk.focus();
  });
  newButton.addEventListener("click", function () {
    save(KEYS.session, randomId());
    showNumber();
    log.textContent = "";
    hideAlert();
    pending = null;
    lastQuestion = "";
    welcome();
    input.focus();
  });
  retryButton.addEventListener("click", function () {
    if (!pending) { hideAlert(); input.focus(); return; }
    var again = pending;
    pending = null;
    send(again.payload, again.shown, again.typed, again.messageId);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy) { return; }
    pending = null;
    send(text, "", true);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  function mount() {
    document.body.appendChild(host);
    if (START_OPEN || load(KEYS.open)) { open(false); }
  }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
