/*
 * Perheneuvo chat widget. A page embeds it with one tag (see docs/widget.md):
 *
 *   <script src="https://BOT/widget/perheneuvo.js" data-server="https://RASA" defer></script>
 *
 * data-server     the Rasa server (its REST channel); default: the address this file came from
 * data-title      the name shown in the window; default "Perheneuvo"
 * data-lang       interface language; only "fi" is provided
 * data-exit-url   where "Poistu nopeasti" goes; default https://www.google.fi/
 * data-privacy-url  the privacy notice; default /tietosuoja.html next to this file
 *
 * Safety rules this file keeps: bot text is only ever put in the page through textContent and
 * text nodes (never innerHTML), links are made only for http, https, tel and mailto; the
 * conversation lives in sessionStorage (this tab only), never in localStorage or cookies.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || document.querySelector("perheneuvo-chat")) {
    return; // loaded twice, or not from a <script> tag
  }

  var TEXTS = {
    fi: {
      launcherTitle: "Perheneuvo",
      launcherHint: "Kysy chatissa",
      dialogLabel: "Perheneuvo-chat",
      greeting:
        "Hei! Olen Perheneuvo, chatbotti. Voit kysyä minulta perhekeskuksista, eroauttamisesta, " +
        "perheiden kohtaamispaikoista ja oman alueesi yhteystiedoista. Olen botti, en ihminen. " +
        "Hätätilanteessa soita 112.",
      privacy:
        "Älä kirjoita nimiä, henkilötunnusta tai terveystietoja. Keskustelu näkyy vain tässä " +
        "välilehdessä, ja Poistu nopeasti pyyhkii sen heti.",
      privacyLink: "Tietosuoja",
      exit: "Poistu nopeasti",
      exitHint: "Tyhjentää keskustelun ja vaihtaa sivun. Myös Esc kahdesti.",
      restart: "Aloita alusta",
      close: "Sulje",
      closeLabel: "Sulje chat",
      logLabel: "Keskustelu",
      you: "Sinä: ",
      repliesLabel: "Vastausvaihtoehdot",
      inputLabel: "Kirjoita kysymyksesi",
      placeholder: "Kirjoita kysymys…",
      send: "Lähetä",
      typing: "Perheneuvo kirjoittaa",
      unreachable:
        "Perheneuvoon ei juuri nyt saada yhteyttä. Voit lähettää viestisi hetken päästä " +
        "uudelleen. Hätätilanteessa soita 112.",
      notSent: "Ei lähetetty.",
      retry: "Lähetä uudelleen",
      newTab: " (avautuu uuteen välilehteen)",
      feedbackLabel: "Auttoiko vastaus?",
      helpful: "Auttoi",
      notHelpful: "Ei auttanut",
      feedbackThanks: "Kiitos palautteesta!",
      feedbackFailed: "Palautetta ei saatu perille. Yritä hetken päästä uudelleen.",
      commentLabel: "Mikä jäi puuttumaan? (vapaaehtoinen, älä kirjoita nimiä tai yhteystietoja)",
      commentSend: "Lähetä kommentti",
      commentThanks: "Kiitos kommentista!",
      staff: "Työntekijä: "
    }
  };

  var STORAGE_KEY = "perheneuvo-chat";
  var DEFAULT_EXIT_URL = "https://www.google.fi/";
  var REQUEST_TIMEOUT_MS = 15000;
  var DOUBLE_ESC_MS = 1000;
  var MAX_INPUT_LENGTH = 1000;
  var MAX_COMMENT_LENGTH = 500;
  // While a staff member has (or is asked to take) the conversation, the widget asks the
  // server for their messages this often (GET /webhooks/rest/handover; see README).
  var HANDOVER_POLL_MS = 3000;

  // -- settings from the script tag ---------------------------------------------------------

  var scriptUrl = new URL(script.src, document.baseURI);

  function httpUrl(value, base) {
    if (!value) return null;
    try {
      var url = new URL(value, base);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  var requestedLang = (script.getAttribute("data-lang") || "fi").toLowerCase();
  var lang = TEXTS[requestedLang] ? requestedLang : "fi";
  var t = TEXTS[lang];
  var config = {
    server: (httpUrl(script.getAttribute("data-server"), document.baseURI) || scriptUrl.origin)
      .replace(/\/+$/, ""),
    title: (script.getAttribute("data-title") || "").trim() || t.launcherTitle,
    exitUrl: httpUrl(script.getAttribute("data-exit-url"), document.baseURI) || DEFAULT_EXIT_URL,
    privacyUrl: httpUrl(script.getAttribute("data-privacy-url"), document.baseURI) ||
      new URL("../tietosuoja.html", scriptUrl).href,
    styleUrl: new URL("perheneuvo.css", scriptUrl).href
  };

  // -- the conversation, kept in sessionStorage -----------------------------------------------

  function randomHex() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function newSenderId() {
    return "web-" + randomHex();
  }

  function newState() {
    return { sender: newSenderId(), open: false, messages: [], handover: null };
  }

  function cleanHandover(value) {
    if (!value || typeof value.after !== "number" || !isFinite(value.after)) return null;
    return { after: value.after };
  }

  function cleanButtons(buttons) {
    if (!Array.isArray(buttons)) return [];
    return buttons.filter(function (b) {
      return b && typeof b.title === "string" && b.title.trim() && typeof b.payload === "string";
    }).map(function (b) {
      return { title: b.title, payload: b.payload };
    });
  }

  function cleanEntry(entry) {
    if (!entry || typeof entry.text !== "string") return null;
    if (entry.who === "bot") {
      var bot = { who: "bot", text: entry.text, buttons: cleanButtons(entry.buttons) };
      if (typeof entry.rate === "string") {
        bot.rate = entry.rate; // the message_id of the message this answers: rateable
        bot.rating = entry.rating === "helpful" || entry.rating === "not_helpful"
          ? entry.rating : null;
        bot.commented = entry.commented === true;
      }
      return bot;
    }
    if (entry.who === "staff") return { who: "staff", text: entry.text };
    if (entry.who === "user") {
      var payload = typeof entry.payload === "string" ? entry.payload : entry.text;
      var id = typeof entry.id === "string" ? entry.id : randomHex();
      return { who: "user", text: entry.text, payload: payload, id: id,
               failed: entry.failed === true };
    }
    return null;
  }

  function loadState() {
    try {
      var stored = JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || "null");
      if (!stored || typeof stored.sender !== "string" || !Array.isArray(stored.messages)) {
        return null;
      }
      return {
        sender: stored.sender,
        open: stored.open === true,
        messages: stored.messages.map(cleanEntry).filter(Boolean),
        handover: cleanHandover(stored.handover)
      };
    } catch (error) {
      return null; // storage blocked or unreadable: start afresh
    }
  }

  function saveState() {
    try {
      window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (error) {
      // Storage full or blocked: the conversation still works, it just won't survive a reload.
    }
  }

  function forgetState() {
    try {
      window.sessionStorage.removeItem(STORAGE_KEY);
    } catch (error) {
      // nothing stored
    }
  }

  // -- turning bot text into text nodes and safe links ---------------------------------------

  // URL | e-mail | Finnish phone number (0... or +358...) | 112, 116 111, 116 123
  var LINK_PATTERN = new RegExp(
    "(https?:\\/\\/[^\\s<>\"']+)" +
    "|([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,})" +
    "|((?:\\+358[ -]?|\\b0)\\d(?:[ -]?\\d){5,10})" +
    "|(\\b(?:112|116 ?111|116 ?123)\\b)",
    "g"
  );

  function trimUrl(url) {
    var trimmed = url.replace(/[.,;:!?]+$/, "");
    while (/\)$/.test(trimmed) && trimmed.split("(").length < trimmed.split(")").length) {
      trimmed = trimmed.slice(0, -1);
    }
    return trimmed;
  }

  function followsANumber(text, index) {
    // "1 112 euroa" is an amount, not the emergency number
    return /\d[ -]?$/.test(text.slice(Math.max(0, index - 2), index));
  }

  function linkFor(match, text, index) {
    if (match[1]) {
      var url = trimUrl(match[1]);
      var href = httpUrl(url);
      return href ? { text: url, href: href, external: true } : null;
    }
    if (match[2]) {
      return { text: match[2], href: "mailto:" + match[2] };
    }
    if (match[3] || match[4]) {
      if (match[4] && followsANumber(text, index)) return null;
      var number = match[3] || match[4];
      return { text: number, href: "tel:" + number.replace(/[ -]/g, "") };
    }
    return null;
  }

  function appendLinkified(parent, text) {
    var position = 0;
    var match;
    LINK_PATTERN.lastIndex = 0;
    while ((match = LINK_PATTERN.exec(text)) !== null) {
      var link = linkFor(match, text, match.index);
      if (!link) continue;
      parent.appendChild(document.createTextNode(text.slice(position, match.index)));
      var anchor = document.createElement("a");
      anchor.href = link.href;
      anchor.textContent = link.text;
      if (link.external) {
        anchor.target = "_blank";
        anchor.rel = "noopener noreferrer";
        anchor.appendChild(element("span", "pn-sr", t.newTab));
      }
      parent.appendChild(anchor);
      position = match.index + link.text.length;
      LINK_PATTERN.lastIndex = position;
    }
    parent.appendChild(document.createTextNode(text.slice(position)));
  }

  // -- building the window --------------------------------------------------------------------

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function button(className, text, onClick) {
    var node = element("button", className, text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  var host = document.createElement("perheneuvo-chat");
  var shadow = host.attachShadow({ mode: "open" });
  var stylesheet = element("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = config.styleUrl;
  var root = element("div", "pn-root");
  root.lang = lang;
  root.hidden = true; // until the stylesheet is in, so the page never shows it unstyled
  function reveal() { root.hidden = false; }
  stylesheet.addEventListener("load", reveal);
  stylesheet.addEventListener("error", reveal);

  var launcher = button("pn-launcher", "", function () { openWindow(true); });
  launcher.setAttribute("aria-haspopup", "dialog");
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "pn-window");
  launcher.appendChild(element("span", "pn-launcher-title", config.title));
  launcher.appendChild(element("span", "pn-launcher-hint", t.launcherHint));

  var windowEl = element("div", "pn-window");
  windowEl.id = "pn-window";
  windowEl.setAttribute("role", "dialog");
  windowEl.setAttribute("aria-label", config.title === t.launcherTitle ? t.dialogLabel
    : config.title + " – chat");
  windowEl.hidden = true;

  var header = element("div", "pn-header");
  var titleRow = element("div", "pn-title-row");
  titleRow.appendChild(element("h2", "pn-title", config.title));
  var closeButton = button("pn-button pn-close", t.close, function () { closeWindow(); });
  closeButton.setAttribute("aria-label", t.closeLabel);
  titleRow.appendChild(closeButton);
  var toolbar = element("div", "pn-toolbar");
  var exitButton = button("pn-button pn-exit", t.exit, function () { exitQuickly(); });
  exitButton.title = t.exitHint;
  exitButton.setAttribute("aria-describedby", "pn-exit-hint");
  var exitHint = element("span", "pn-sr", t.exitHint);
  exitHint.id = "pn-exit-hint";
  var restartButton = button("pn-button pn-restart", t.restart, function () { startOver(); });
  toolbar.appendChild(exitButton);
  toolbar.appendChild(restartButton);
  toolbar.appendChild(exitHint);
  header.appendChild(titleRow);
  header.appendChild(toolbar);

  var privacy = element("p", "pn-privacy", t.privacy + " ");
  var privacyLink = element("a", "", t.privacyLink);
  privacyLink.href = config.privacyUrl;
  privacyLink.target = "_blank";
  privacyLink.rel = "noopener noreferrer";
  privacyLink.appendChild(element("span", "pn-sr", t.newTab));
  privacy.appendChild(privacyLink);

  var log = element("div", "pn-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", t.logLabel);
  log.tabIndex = 0; // a scrollable region must be reachable by keyboard

  var typing = element("div", "pn-typing");
  typing.setAttribute("role", "status");
  var typingText = element("span", "pn-typing-text");
  var typingDots = element("span", "pn-typing-dots");
  typingDots.setAttribute("aria-hidden", "true");
  for (var i = 0; i < 3; i++) typingDots.appendChild(element("span"));
  typing.appendChild(typingText);
  typing.appendChild(typingDots);

  // Announces what happened to a rating (the buttons' aria-pressed says which was chosen).
  var feedbackStatus = element("p", "pn-sr pn-feedback-status");
  feedbackStatus.setAttribute("role", "status");

  var form = element("form", "pn-form");
  form.noValidate = true;
  var inputLabel = element("label", "pn-sr", t.inputLabel);
  inputLabel.htmlFor = "pn-input";
  var input = element("input", "pn-input");
  input.id = "pn-input";
  input.type = "text";
  input.autocomplete = "off"; // a shared computer must not suggest what a parent typed
  input.maxLength = MAX_INPUT_LENGTH;
  input.placeholder = t.placeholder;
  input.setAttribute("enterkeyhint", "send");
  var sendButton = element("button", "pn-button pn-send", t.send);
  sendButton.type = "submit";
  form.appendChild(inputLabel);
  form.appendChild(input);
  form.appendChild(sendButton);

  windowEl.appendChild(header);
  windowEl.appendChild(privacy);
  windowEl.appendChild(log);
  windowEl.appendChild(typing);
  windowEl.appendChild(feedbackStatus);
  windowEl.appendChild(form);
  root.appendChild(launcher);
  root.appendChild(windowEl);
  shadow.appendChild(stylesheet);
  shadow.appendChild(root);

  // -- showing the conversation --------------------------------------------------------------

  var state = loadState() || newState();
  var generation = 0; // bumped by "start over" and "exit", so late replies are dropped
  var queue = Promise.resolve();
  var pending = 0;
  var nodes = new WeakMap(); // message entry -> its element (kept out of the stored JSON)

  function messageNode(entry) {
    var node = element("div", "pn-msg pn-msg-" + entry.who);
    if (entry.who === "staff") {
      node.appendChild(element("span", "pn-author", t.staff)); // shown: a person writes
    } else {
      node.appendChild(element("span", "pn-sr", entry.who === "user" ? t.you : config.title + ": "));
    }
    var body = element("p", "pn-text");
    if (entry.who !== "user") {
      appendLinkified(body, entry.text);
    } else {
      body.textContent = entry.text;
    }
    node.appendChild(body);
    if (entry.who === "bot" && entry.rate) node.appendChild(feedbackNode(entry));
    if (entry.who === "user" && entry.failed) {
      node.classList.add("pn-failed");
      node.appendChild(element("span", "pn-failed-note", t.notSent));
      node.appendChild(button("pn-button pn-retry", t.retry, function () { retry(entry); }));
    }
    nodes.set(entry, node);
    return node;
  }

  // -- "Was this helpful?" ---------------------------------------------------------------

  function feedbackNode(entry) {
    var box = element("div", "pn-feedback");
    var group = element("div", "pn-feedback-buttons");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", t.feedbackLabel);
    group.appendChild(element("span", "pn-feedback-label", t.feedbackLabel));
    [["helpful", t.helpful], ["not_helpful", t.notHelpful]].forEach(function (choice) {
      var b = button("pn-button pn-rate pn-rate-" + choice[0], choice[1], function () {
        rate(entry, choice[0]);
      });
      b.setAttribute("aria-pressed", entry.rating === choice[0] ? "true" : "false");
      group.appendChild(b);
    });
    box.appendChild(group);
    if (entry.rating === "not_helpful" && !entry.commented) box.appendChild(commentForm(entry));
    return box;
  }

  function commentForm(entry) {
    var commentForm = element("form", "pn-comment");
    commentForm.noValidate = true;
    var id = "pn-comment-" + entry.rate;
    var label = element("label", "pn-comment-label", t.commentLabel);
    label.htmlFor = id;
    var field = element("input", "pn-input pn-comment-input");
    field.id = id;
    field.type = "text";
    field.autocomplete = "off";
    field.maxLength = MAX_COMMENT_LENGTH;
    var submit = element("button", "pn-button pn-comment-send", t.commentSend);
    submit.type = "submit";
    commentForm.appendChild(label);
    commentForm.appendChild(field);
    commentForm.appendChild(submit);
    commentForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var comment = field.value.trim();
      if (!comment) return;
      postFeedback(entry.rate, "not_helpful", comment).then(function () {
        entry.commented = true;
        saveState();
        replaceNode(entry);
        announce(t.commentThanks);
        input.focus();
      }, function () { announce(t.feedbackFailed); });
    });
    return commentForm;
  }

  function announce(text) {
    feedbackStatus.textContent = "";
    window.setTimeout(function () { feedbackStatus.textContent = text; }, 50);
  }

  function postFeedback(messageId, rating, comment) {
    var body = { sender: state.sender, message_id: messageId, rating: rating };
    if (comment) body.comment = comment;
    return window.fetch(config.server + "/webhooks/rest/feedback", {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function rate(entry, rating) {
    if (entry.rating === rating) return;
    var myGeneration = generation;
    postFeedback(entry.rate, rating).then(function (result) {
      if (myGeneration !== generation) return;
      entry.rating = rating;
      replaceNode(entry);
      var pressed = nodes.get(entry).querySelector(".pn-rate-" + rating);
      if (rating === "not_helpful") {
        var follow = (result && Array.isArray(result.messages)) ? result.messages : [];
        if (follow.length) removeReplies();
        follow.forEach(function (reply) {
          if (!reply || typeof reply.text !== "string" || !reply.text.trim()) return;
          var answer = { who: "bot", text: reply.text, buttons: cleanButtons(reply.buttons) };
          state.messages.push(answer);
          appendEntry(answer);
        });
        var field = nodes.get(entry).querySelector(".pn-comment-input");
        (field || pressed).focus();
      } else {
        pressed.focus();
      }
      saveState();
      announce(t.feedbackThanks);
    }, function () {
      if (myGeneration === generation) announce(t.feedbackFailed);
    });
  }

  function repliesNode(buttons) {
    var group = element("div", "pn-replies");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", t.repliesLabel);
    buttons.forEach(function (b) {
      group.appendChild(button("pn-button pn-reply", b.title, function () {
        send(b.payload, b.title);
      }));
    });
    return group;
  }

  function removeReplies() {
    Array.prototype.forEach.call(log.querySelectorAll(".pn-replies, .pn-error"), function (n) {
      n.remove();
    });
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function appendEntry(entry) {
    log.appendChild(messageNode(entry));
    if (entry.who === "bot" && entry.buttons.length) log.appendChild(repliesNode(entry.buttons));
    scrollToEnd();
  }

  function renderAll() {
    log.textContent = "";
    state.messages.forEach(function (entry, index) {
      log.appendChild(messageNode(entry));
      var last = index === state.messages.length - 1;
      if (last && entry.who === "bot" && entry.buttons.length) {
        log.appendChild(repliesNode(entry.buttons));
      }
    });
    scrollToEnd();
  }

  function replaceNode(entry) {
    var old = nodes.get(entry);
    if (old && old.parentNode) old.parentNode.replaceChild(messageNode(entry), old);
  }

  function showError() {
    var note = element("p", "pn-error");
    appendLinkified(note, t.unreachable);
    log.appendChild(note);
    scrollToEnd();
  }

  function setTyping(on) {
    typing.classList.toggle("pn-typing-on", on);
    typingText.textContent = on ? t.typing : "";
  }

  function hasConversation() {
    return state.messages.some(function (m) { return m.who === "user"; });
  }

  function greetIfEmpty() {
    if (state.messages.length) return;
    var greeting = { who: "bot", text: t.greeting, buttons: [] };
    state.messages.push(greeting);
    appendEntry(greeting);
  }

  // -- talking to Rasa ---------------------------------------------------------------------

  // `messageId` makes a retry safe: the server answers a message it already has with the
  // replies it gave, instead of handling it twice.
  function postMessage(sender, message, messageId) {
    var body = { sender: sender, message: message };
    if (messageId) body.message_id = messageId;
    var controller = new AbortController();
    var timer = window.setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    return window.fetch(config.server + "/webhooks/rest/webhook", {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: controller.signal
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (replies) {
      if (!Array.isArray(replies)) throw new Error("unexpected reply");
      return replies;
    }).finally(function () {
      window.clearTimeout(timer);
    });
  }

  function deliver(entry) {
    var myGeneration = generation;
    pending += 1;
    setTyping(true);
    return postMessage(state.sender, entry.payload, entry.id).then(function (replies) {
      if (myGeneration !== generation) return;
      if (entry.failed) {
        entry.failed = false;
        replaceNode(entry);
      }
      var answers = [];
      replies.forEach(function (reply) {
        if (reply && reply.custom && typeof reply.custom.handover === "string") {
          startHandover(); // a staff member is asked for, or has the conversation
          return;
        }
        if (!reply || typeof reply.text !== "string" || !reply.text.trim()) return;
        answers.push({ who: "bot", text: reply.text, buttons: cleanButtons(reply.buttons) });
      });
      // The answer as a whole is rated, under its last message.
      if (answers.length) {
        var last = answers[answers.length - 1];
        last.rate = entry.id;
        last.rating = null;
        last.commented = false;
      }
      answers.forEach(function (answer) {
        state.messages.push(answer);
        appendEntry(answer);
      });
    }, function () {
      if (myGeneration !== generation) return;
      if (!entry.failed) {
        entry.failed = true;
        replaceNode(entry);
      }
      showError();
    }).then(function () {
      pending -= 1;
      if (!pending) setTyping(false);
      if (myGeneration === generation) saveState();
    });
  }

  // -- a staff member in the conversation ----------------------------------------------------

  var pollTimer = null;

  function startHandover() {
    if (!state.handover) state.handover = { after: 0 };
    saveState();
    schedulePoll();
  }

  function schedulePoll() {
    if (pollTimer || !state.handover) return;
    pollTimer = window.setTimeout(poll, HANDOVER_POLL_MS);
  }

  function poll() {
    pollTimer = null;
    if (!state.handover) return;
    var myGeneration = generation;
    var url = config.server + "/webhooks/rest/handover?sender=" +
      encodeURIComponent(state.sender) + "&after=" + state.handover.after;
    window.fetch(url, {
      method: "GET", mode: "cors", credentials: "omit", cache: "no-store",
      referrerPolicy: "no-referrer"
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (result) {
      if (myGeneration !== generation || !state.handover) return;
      (Array.isArray(result.messages) ? result.messages : []).forEach(function (m) {
        if (!m || typeof m.text !== "string" || typeof m.id !== "number") return;
        state.handover.after = Math.max(state.handover.after, m.id);
        var entry = m.author === "staff"
          ? { who: "staff", text: m.text }
          : { who: "bot", text: m.text, buttons: [] };
        state.messages.push(entry);
        appendEntry(entry);
      });
      if (result.status !== "waiting" && result.status !== "taken") state.handover = null;
      saveState();
    }).catch(function () {
      // the server is not reachable just now: ask again at the next tick
    }).then(function () {
      if (myGeneration === generation) schedulePoll();
    });
  }

  function stopHandover() {
    if (pollTimer) window.clearTimeout(pollTimer);
    pollTimer = null;
  }

  function send(payload, shown) {
    removeReplies();
    var entry = { who: "user", text: shown, payload: payload, id: randomHex(), failed: false };
    state.messages.push(entry);
    appendEntry(entry);
    saveState();
    queue = queue.then(function () { return deliver(entry); });
    input.focus();
  }

  function retry(entry) {
    removeReplies();
    input.focus();
    queue = queue.then(function () { return deliver(entry); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text, text);
  });

  // -- opening, closing, starting over, leaving --------------------------------------------

  function isOpen() {
    return !windowEl.hidden;
  }

  function openWindow(moveFocus) {
    windowEl.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    greetIfEmpty();
    state.open = true;
    saveState();
    scrollToEnd();
    if (moveFocus) input.focus();
  }

  function closeWindow() {
    windowEl.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    saveState();
    launcher.focus();
  }

  function startOver() {
    var oldSender = state.sender;
    generation += 1;
    // Resets the conversation on the server too; a new sender id makes sure nothing carries
    // over even if this request does not get through.
    postMessage(oldSender, "/restart").catch(function () {});
    stopHandover();
    state = newState();
    state.open = true;
    setTyping(false);
    log.textContent = "";
    greetIfEmpty();
    saveState();
    input.value = "";
    input.focus();
  }

  // Tells the server that the family left, so that a staff member does not go on writing to
  // nobody: the open request ends "left" (POST /webhooks/rest/handover/exit). sendBeacon only
  // queues the request (the browser sends it even as the page goes) and never waits for an
  // answer; a text/plain body needs no CORS preflight from a page on another site. A failure
  // is ignored: the exit must not depend on the network.
  function tellServerWeLeft() {
    if (!state.handover || !navigator.sendBeacon) return;
    try {
      navigator.sendBeacon(
        config.server + "/webhooks/rest/handover/exit",
        new Blob([JSON.stringify({ sender: state.sender })], { type: "text/plain" })
      );
    } catch (error) {
      // blocked by the page's policy, say: leave all the same
    }
  }

  function exitQuickly() {
    tellServerWeLeft(); // before the sender id is wiped
    generation += 1;
    stopHandover();
    forgetState();
    state = newState();
    log.textContent = "";
    input.value = "";
    host.remove();
    window.location.replace(config.exitUrl);
  }

  // Esc closes the window; a second Esc within a second leaves the page. Once this tab has a
  // conversation, Esc twice leaves from anywhere on the page, open window or not.
  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if ((event.key !== "Escape" && event.key !== "Esc") || event.isComposing) return;
    var now = Date.now();
    if (lastEscape && now - lastEscape <= DOUBLE_ESC_MS) {
      event.preventDefault();
      exitQuickly();
      return;
    }
    if (isOpen()) {
      event.preventDefault();
      closeWindow();
      lastEscape = now;
    } else {
      lastEscape = hasConversation() ? now : 0;
    }
  }, true);

  // A page brought back from the back/forward cache shows what sessionStorage holds now, so a
  // conversation wiped by "exit quickly" on another page does not reappear.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    state = loadState() || newState();
    stopHandover();
    renderAll();
    schedulePoll();
    if (state.open) openWindow(false); else { windowEl.hidden = true; launcher.hidden = false; }
  });

  function mount() {
    document.body.appendChild(host);
    renderAll();
    if (state.open) openWindow(false);
    schedulePoll(); // a handover open before a reload goes on
  }

  if (document.body) {
    mount();
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
})();
