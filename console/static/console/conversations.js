/*
 * Keskustelut (console/conversations): the list of requests and a request's page refresh
 * themselves. While the page is visible, every few seconds this asks the console's JSON
 * address in data-osoite of #paivitys (conversations:list_state or conversations:state) what
 * changed, and updates only the lists or the conversation: new rows and messages are added,
 * rows that changed status move, a request's status text and buttons follow its status. A
 * polite status line (#paivitys, role="status") says what changed, in Finnish.
 *
 * Rules this file keeps: text from the server goes into the page only through textContent and
 * text nodes (never innerHTML); the reply textarea and every form field are never touched, so
 * what a staff member is typing stays; no inline scripts or handlers (the console's CSP is
 * script-src 'self'). Without JavaScript the pages' Päivitä links reload them.
 */
(function () {
  "use strict";

  var INTERVAL = 5000; // milliseconds between polls while the page is visible
  var FAILURES_BEFORE_NOTICE = 3;

  var status = document.getElementById("paivitys");
  if (!status || !status.dataset.osoite || !window.fetch) {
    return;
  }
  var timer = null;
  var busy = false;
  var stopped = false;
  var failures = 0;

  function announce(text) {
    // emptied first, so that the same sentence again is announced again
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = text;
    }, 50);
  }

  function Ended(text) {
    this.text = text;
  }

  function stop(text) {
    stopped = true;
    window.clearTimeout(timer);
    timer = null;
    announce(text);
  }

  // -- the list page ---------------------------------------------------------------------------

  var LISTS = [
    { part: "waiting", id: "odottavat", build: waitingRow },
    { part: "taken", id: "otetut", build: takenRow },
    { part: "ended", id: "paattyneet", build: endedRow }
  ];
  var known = {}; // request id -> status as the page shows it

  function item(row, rest) {
    var li = document.createElement("li");
    li.dataset.id = String(row.id);
    li.dataset.tila = row.status;
    var link = document.createElement("a");
    link.href = row.url;
    link.textContent = "Pyyntö " + row.id;
    li.appendChild(link);
    li.appendChild(document.createTextNode(rest));
    return li;
  }

  function waitingRow(row) {
    var li = item(row, ": " + row.region + ", " + row.channel + ", tehty " + row.made + " ");
    var template = document.getElementById("ota-pohja");
    if (template) {
      var form = document.importNode(template.content, true).querySelector("form");
      form.action = row.take_url;
      form.querySelector(".visually-hidden").textContent = " " + row.id;
      li.appendChild(form);
    }
    return li;
  }

  function takenRow(row) {
    return item(row, ": " + row.region + ", " + row.channel + ", ottanut " + row.taken_by);
  }

  function endedRow(row) {
    return item(row, ": " + row.region + ", " + row.status_text + ", tehty " + row.made);
  }

  function removeRow(li, headingId) {
    var hadFocus = li.contains(document.activeElement);
    li.parentNode.removeChild(li);
    if (hadFocus) {
      // the row with the focus moved: the focus goes to its list's heading, not the page's top
      var heading = document.getElementById(headingId);
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus();
      }
    }
  }

  function syncList(list, rows) {
    var element = document.getElementById(list.id);
    var empty = document.getElementById(list.id + "-tyhja");
    if (!element) {
      return;
    }
    var wanted = {};
    rows.forEach(function (row) {
      wanted[String(row.id)] = row.status;
    });
    Array.prototype.slice.call(element.children).forEach(function (li) {
      if (wanted[li.dataset.id] !== li.dataset.tila) {
        removeRow(li, list.id + "-otsikko");
      }
    });
    // rows come newest first; the ones already shown keep their place (and their focus)
    rows.forEach(function (row, index) {
      var at = element.children[index];
      if (!at || at.dataset.id !== String(row.id)) {
        element.insertBefore(list.build(row), at || null);
      }
    });
    element.hidden = rows.length === 0;
    if (empty) {
      empty.hidden = rows.length > 0;
    }
  }

  function updateList(data) {
    if (data.version === status.dataset.versio) {
      return;
    }
    status.dataset.versio = data.version;
    var fresh = [];
    var changed = [];
    var now = {};
    LISTS.forEach(function (list) {
      data[list.part].forEach(function (row) {
        var before = known[String(row.id)];
        now[String(row.id)] = row.status;
        if (before === undefined && row.status === "waiting") {
          fresh.push(row);
        } else if (before !== row.status) {
          changed.push(row);
        }
      });
    });
    LISTS.forEach(function (list) {
      syncList(list, data[list.part]);
    });
    known = now;
    var said = [];
    if (fresh.length === 1) {
      said.push(
        "Uusi pyyntö: Pyyntö " + fresh[0].id + ", " + fresh[0].region + ", " + fresh[0].channel + "."
      );
    } else if (fresh.length > 1) {
      said.push(fresh.length + " uutta pyyntöä.");
    }
    changed.forEach(function (row) {
      var by = row.status === "taken" && row.taken_by ? " (" + row.taken_by + ")" : "";
      said.push("Pyyntö " + row.id + ": " + row.status_text + by + ".");
    });
    if (said.length) {
      announce(said.join(" "));
    }
  }

  // -- a request's page ------------------------------------------------------------------------

  function messageItem(message) {
    var li = document.createElement("li");
    li.dataset.id = String(message.id);
    var author = document.createElement("strong");
    author.textContent = message.author;
    li.appendChild(author);
    li.appendChild(document.createTextNode(" (" + message.time + "): "));
    // as Django's linebreaksbr: a line break in the text is a <br>
    message.text
      .replace(/\r\n?/g, "\n")
      .split("\n")
      .forEach(function (line, index) {
        if (index > 0) {
          li.appendChild(document.createElement("br"));
        }
        li.appendChild(document.createTextNode(line));
      });
    return li;
  }

  function setForms(state) {
    // each action form says in which statuses it works (data-tiloissa); the fields keep their text
    var forms = document.querySelectorAll("form[data-tiloissa]");
    Array.prototype.forEach.call(forms, function (form) {
      var usable = form.dataset.tiloissa.split(" ").indexOf(state) >= 0;
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (button) {
        button.disabled = !usable;
      });
    });
  }

  function hasFormFor(state) {
    var forms = document.querySelectorAll("form[data-tiloissa]");
    return Array.prototype.some.call(forms, function (form) {
      return form.dataset.tiloissa.split(" ").indexOf(state) >= 0;
    });
  }

  function statusSentence(data) {
    var typed = document.getElementById("id_teksti");
    var kept = typed && typed.value.trim() ? " Kirjoittamasi teksti on yhä tekstikentässä." : "";
    switch (data.status) {
      case "waiting":
        return "Pyyntö odottaa taas työntekijää. Päivitä sivu, niin voit ottaa sen.";
      case "taken":
        return (
          "Keskustelun otti " + (data.taken_by || "työntekijä") + "." +
          (hasFormFor("taken") ? "" : " Päivitä sivu, niin voit kirjoittaa perheelle.")
        );
      case "expired":
        return "Kukaan ei ehtinyt ottaa pyyntöä, ja perheelle kerrottiin se. Keskustelu päättyi.";
      case "returned":
        return "Keskustelu palautettiin botille. Perheelle ei voi enää lähettää viestejä." + kept;
      case "closed":
        return "Keskustelu suljettiin. Perheelle ei voi enää lähettää viestejä." + kept;
      case "left":
        return "Perhe poistui keskustelusta pikapoistumisella. Viestejä ei voi enää lähettää." + kept;
      default:
        return "Keskustelun tila muuttui: " + data.status_text + ". Päivitä sivu.";
    }
  }

  function updateDetail(data) {
    var list = document.getElementById("viestit");
    var empty = document.getElementById("viestit-tyhja");
    var state = document.getElementById("tila");
    var takenBy = document.getElementById("ottanut");
    var after = Number(status.dataset.jalkeen) || 0;
    var fresh = data.messages.filter(function (message) {
      return message.id > after;
    });
    fresh.forEach(function (message) {
      list.appendChild(messageItem(message));
    });
    if (fresh.length) {
      status.dataset.jalkeen = String(fresh[fresh.length - 1].id);
      list.hidden = false;
      if (empty) {
        empty.hidden = true;
      }
    }
    var said = [];
    var family = fresh.filter(function (message) {
      return message.family;
    }).length;
    if (family === 1) {
      said.push("Perhe kirjoitti uuden viestin.");
    } else if (family > 1) {
      said.push("Perhe kirjoitti " + family + " uutta viestiä.");
    }
    if (state && data.status !== state.dataset.tila) {
      state.dataset.tila = data.status;
      state.textContent = data.status_text;
      if (takenBy) {
        takenBy.textContent = data.taken_by ? " Ottanut: " + data.taken_by + "." : "";
      }
      setForms(data.status);
      said.push(statusSentence(data));
    } else if (fresh.length && !family) {
      said.push("Keskusteluun tuli uusi viesti.");
    }
    if (said.length) {
      announce(said.join(" "));
    }
  }

  // -- polling ---------------------------------------------------------------------------------

  var page = status.dataset.sivu;
  if (page === "lista") {
    LISTS.forEach(function (list) {
      var element = document.getElementById(list.id);
      Array.prototype.forEach.call(element ? element.children : [], function (li) {
        known[li.dataset.id] = li.dataset.tila;
      });
    });
  }

  function address() {
    if (page === "keskustelu") {
      return status.dataset.osoite + "?jalkeen=" + encodeURIComponent(status.dataset.jalkeen || "0");
    }
    return status.dataset.osoite;
  }

  function schedule() {
    if (!stopped && !document.hidden && timer === null) {
      timer = window.setTimeout(poll, INTERVAL);
    }
  }

  function poll() {
    timer = null;
    if (stopped || busy || document.hidden) {
      return;
    }
    busy = true;
    window
      .fetch(address(), {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" }
      })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || (response.ok && type.indexOf("application/json") !== 0)) {
          // the log-in page: the session ended
          throw new Ended("Istuntosi on päättynyt. Lataa sivu uudelleen ja kirjaudu sisään.");
        }
        if (response.status === 403) {
          throw new Ended("Sinulla ei ole enää pääsyä tälle sivulle. Lataa sivu uudelleen.");
        }
        if (response.status === 404) {
          throw new Ended("Keskustelua ei enää löydy. Palaa keskusteluihin.");
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        if (page === "keskustelu") {
          updateDetail(data);
        } else {
          updateList(data);
        }
      })
      .catch(function (error) {
        if (error instanceof Ended) {
          stop(error.text);
          return;
        }
        failures += 1;
        if (failures === FAILURES_BEFORE_NOTICE) {
          announce("Sivu ei juuri nyt päivity itsestään. Yritetään uudelleen; voit myös päivittää sivun.");
        }
      })
      .then(function () {
        busy = false;
        schedule();
      });
  }

  document.addEventListener("visibilitychange", function () {
    window.clearTimeout(timer);
    timer = null;
    if (!document.hidden) {
      poll(); // at once when the staff member comes back, then every INTERVAL
    }
  });
  schedule();
})();
