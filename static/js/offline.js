// The offline app on the page side (DESIGN §10): the service worker, the outbox badge and
// list, drafts, offline search, and logging out. Every form still posts as plain HTML; this
// only steps in when there is no connection, and keeps what was typed.
/* global MOOutbox */
(function () {
  "use strict";

  var RETRY_MS = 30000;
  var PAGES_CACHE = MOOutbox.PAGES_CACHE;

  var body = document.body;
  MOOutbox.root = body.dataset.root || "";
  var user = body.dataset.user;
  var strings = JSON.parse(document.getElementById("mo-strings").textContent);

  var links = { login: body.dataset.login, outbox: body.dataset.outbox };

  function draftKey(path) { return "mo-draft:" + user + ":" + path; }

  // Accent- and case-insensitive like the server's domain.text.fold_search: marks dropped,
  // Đ and its look-alikes (Ð, Ɖ) as d (Đ has no decomposition), nothing of what draws nothing
  // (a copied zero-width space, a Hangul filler), one space.
  function fold(text) {
    return (text || "").replace(/[ĐđÐðƉɖ]/g, "d").normalize("NFD")
      .replace(/[\u0300-\u036f\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0\ufe00-\ufe0f]|\p{Cf}/gu, "")
      .toLowerCase().replace(/\s+/g, " ").trim();
  }

  // As the server's domain.text.search_spelling: a syllable whose one vowel is the "y" that
  // ends it, after its consonant ("Mỹ", "Lý", "mỳ"), is spelled "i" as well ("Mĩ", "Lí", "mì").
  var I_WRITTEN_Y = /\b(qu|th|[bcdhklmnrstvx])y\b/g;
  function spelled(folded) { return folded.replace(I_WRITTEN_Y, "$1i"); }
  function lastWord(text) { return text.slice(text.lastIndexOf(" ") + 1); }

  // A zone as the server spells it to compare zones (domain.text.zone_spelling): case and
  // Unicode form aside, "Khu Chợ Cá" and "khu chợ cá" are one zone; accents count, but not
  // which vowel of an open "oa", "oe", "uy" carries the tone ("Tạp hoá" is "Tạp hóa"), which
  // dash separates parts, nor a number's leading zeros ("Dãy 02" is "Dãy 2"). The order of
  // zones is the server's: the phone keeps its lists'.
  var TONES = "\u0300\u0301\u0303\u0309\u0323";
  var TONE_ON_EITHER = new RegExp("(?=o[" + TONES + "]?[ae]|u[" + TONES + "]?y)([ou])([" + TONES +
    "]?)([aey])([" + TONES + "]?)(?![\\p{L}\\p{N}_\\u0300-\\u036f])", "gu");
  function zoneKey(zone) {
    return (zone || "").normalize("NFC").toLowerCase().normalize("NFD")
      .replace(TONE_ON_EITHER, function (all, first, toneOne, second, toneTwo) {
        return toneOne && toneTwo ? all : first + second + (toneOne || toneTwo);
      })
      .replace(/\s*[-\u2010-\u2015\u2212]\s*/g, " - ")
      .replace(/(?<![0-9])0+(?=[0-9])/g, "")
      .split(/\s+/).filter(Boolean).join(" ").normalize("NFC");
  }

  // A stall code as read aloud, as the server's domain.text.code_key: its letter runs and
  // number runs, numbers without leading zeros, so "a7", "A 7" and "A-7" name a census's "A-07".
  function codeKey(code) {
    return ((code || "").toUpperCase().match(/[A-Z]+|[0-9]+/g) || []).map(function (run) {
      return /^[0-9]/.test(run) ? (run.replace(/^0+/, "") || "0") : run;
    }).join("-");
  }

  // A number as the page's language writes it, as the server's pages do (i18n.thousands):
  // "1.201" in Vietnamese, "1,201" in English, where "Tìm thấy: 1201." sat beside a list
  // counting "1.201 gian hàng".
  function number(n) {
    return new Intl.NumberFormat(document.documentElement.lang || "vi").format(n);
  }

  function refreshBadge() {
    return MOOutbox.list(user).then(function (items) {
      var badge = document.getElementById("outbox-badge");
      // Waiting to be sent (pending or rejected), and sent with a warning to be seen.
      var warnings = items.filter(function (i) { return i.status === "warning"; }).length;
      badge.dataset.pending = String(items.length - warnings);
      badge.dataset.warnings = String(warnings);
      badge.querySelector(".outbox-count").textContent = number(items.length);
      badge.hidden = items.length === 0;
      badge.classList.toggle("has-rejected", items.some(function (i) { return i.status !== "pending"; }));
      return items;
    });
  }

  // Background Sync, where the browser has it: the worker sends the outbox when the connection
  // returns, even if no page of the app is open then.
  function askForSync() {
    if (!("serviceWorker" in navigator)) return Promise.resolve();
    return navigator.serviceWorker.getRegistration().then(function (registration) {
      if (registration && registration.sync) return registration.sync.register("mo-outbox");
    }).catch(function () {});
  }

  function drain() {
    if (!navigator.onLine) return Promise.resolve();
    return MOOutbox.drain(user, links).then(refresh);
  }

  // The market's list as the server now has it: rows, count and pager taken from a fresh copy
  // of this page (the search typed stays as it is), then the stalls still waiting on top.
  function reloadList() {
    return fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        [["#stall-list", "#stall-list"], [".count", ".count"]].forEach(function (pair) {
          var mine = document.querySelector(pair[0]);
          var theirs = fresh.querySelector(pair[1]);
          if (mine && theirs) mine.replaceWith(document.importNode(theirs, true));
        });
        var pagers = document.querySelectorAll(".pager");
        var freshPagers = fresh.querySelectorAll(".pager");
        pagers.forEach(function (pager) { pager.remove(); });
        var list = document.getElementById("stall-list");
        freshPagers.forEach(function (pager) { list.after(document.importNode(pager, true)); });
        return Promise.all([MOOutbox.list(user).then(renderPendingStalls),
                            keepStalls(marketCode())]);
      })
      .catch(function () {});
  }

  // The pending list a form saved on the phone lands on (MOOutbox.queuedUrl): the ways on a
  // volunteer walking the market takes next. After a new stall, the next one and the list;
  // after a stall's form, that stall and its market's list. Links are made of the matched
  // path's parts, never of the address as given.
  function nextSteps() {
    var nav = document.getElementById("outbox-next");
    var params = new URLSearchParams(location.search);
    var match = nav && params.get("queued") && MOOutbox.outboxForm(params.get("form") || "");
    if (!match) return;
    function show(which, path) {
      var link = nav.querySelector("[data-next=" + which + "]");
      link.href = body.dataset.root + path;
      link.hidden = false;
      nav.hidden = false;
    }
    if (match[1]) {
      show("register", "/m/" + match[1] + "/stalls/new");
      show("market", "/m/" + match[1] + "/");
      return;
    }
    show("stall", "/stalls/" + match[2]);
    MOOutbox.findStall(user, Number(match[2])).then(function (found) {
      if (found) show("market", "/m/" + encodeURIComponent(found.market) + "/");
    });
  }

  function refresh() {
    return refreshBadge().then(function (items) {
      renderOutbox(items);
      renderPendingStalls(items);
      waitingAnswered(items);
      renderStallWaiting(items);
    });
  }

  // A stall's own page (the server's, or the copy kept on the phone): what of this stall
  // waits to be sent. Without it the page kept from before still offered the step just
  // recorded, and a second one was queued, which the server then refused.
  function renderStallWaiting(items) {
    var head = document.querySelector(".page-head");
    var page = STALL_PAGE.exec(MOOutbox.appPath(location.pathname) || "");
    if (!head || !page || page[2] || document.getElementById("stand-in")) return;
    var mine = items.filter(function (item) {
      var match = MOOutbox.outboxForm(new URL(item.url).pathname);
      return item.status === "pending" && match && match[2] === page[1];
    });
    // A step waiting on the phone is not offered again: tapped twice it went twice, and the
    // server refused the second as stale. A note or a re-check may well be recorded again.
    var waitingSteps = mine.map(function (item) {
      return MOOutbox.outboxForm(new URL(item.url).pathname)[4];
    });
    document.querySelectorAll("main a[data-event]").forEach(function (link) {
      var kind = link.dataset.event;
      link.hidden = kind !== "note" && kind !== "recheck" && waitingSteps.indexOf(kind) >= 0;
    });
    var box = document.getElementById("stall-waiting");
    if (!mine.length) {
      if (box) box.remove();
      return;
    }
    if (!box) {
      box = document.createElement("div");
      box.id = "stall-waiting";
      box.className = "flash stall-waiting";
      box.setAttribute("role", "status");
      box.appendChild(document.createElement("p"));
      var link = document.createElement("a");
      link.className = "button secondary";
      link.href = body.dataset.outbox;
      link.textContent = strings.see_waiting;
      box.appendChild(link);
      head.after(box);
    }
    box.querySelector("p").textContent = strings.stall_waiting.replace("{n}", number(mine.length));
  }

  // The registrations of stalls already listed (a census stall's, a refused one's) waiting to
  // be sent, by stall id. The phone's list and the page kept for a stall show such a stall
  // waiting, and not its form, which would register it a second time; refused, it is offered
  // again as before, with the item to fix on the pending list.
  function waitingRegistrations(items) {
    var waiting = {};
    items.forEach(function (item) {
      var match = MOOutbox.outboxForm(new URL(item.url).pathname);
      if (match && match[3] === "register" && item.status === "pending") waiting[match[2]] = item;
    });
    return waiting;
  }

  // --- the outbox list page -------------------------------------------------------------

  // An item's form fields by name (the last value of a name sent twice).
  function fieldsOf(item) {
    var fields = {};
    item.fields.forEach(function (pair) { fields[pair[0]] = pair[1]; });
    return fields;
  }

  function describe(item, labels, stallsById) {
    var path = new URL(item.url).pathname;
    var match = MOOutbox.outboxForm(path);
    var fields = fieldsOf(item);
    var what = !match ? path : match[1] ? strings.register :
      match[3] === "register" ? strings.register_census :
      match[4] ? (labels.events[match[4]] || match[4]) : strings[match[3]];
    var known = match && match[2] && stallsById[match[2]];
    // [code, name]: the code set as codes are, the name in the text face (a monospace face
    // may lack Vietnamese's stacked marks). A name typed in the form is the one the item
    // gives the stall (a census stall's shop name, an edit's new name).
    var stall = fields.stall_code ? [fields.stall_code, fields.shop_name || ""] :
      known ? [known.code, fields.shop_name || known.shop] :
      match && match[2] ? ["#" + match[2], fields.shop_name || ""] : ["", ""];
    return { what: what, stall: stall, recheck: !!match && match[4] === "recheck",
             stallId: match && match[2] };
  }

  function renderOutbox(items) {
    var list = document.getElementById("outbox-list");
    if (!list) return;
    // "Saved on the phone" holds while something waits to be sent.
    document.getElementById("outbox-queued").hidden = !(
      new URLSearchParams(location.search).get("queued") &&
      items.some(function (item) { return item.status === "pending"; }));
    var labels = JSON.parse(document.getElementById("outbox-labels").textContent);
    MOOutbox.allStalls(user).then(function (stalls) {
      var byId = {};
      stalls.forEach(function (s) { byId[s.id] = s; });
      list.textContent = "";
      if (!items.length) {
        var empty = document.createElement("li");
        empty.className = "empty";
        empty.textContent = strings.empty;
        list.appendChild(empty);
      }
      items.forEach(function (item) {
        var text = describe(item, labels, byId);
        var row = document.createElement("li");
        row.className = "outbox-item " + item.status;
        row.id = "outbox-" + item.id;  // where a waiting stall's row in the list leads
        row.dataset.outboxId = item.id;
        row.dataset.status = item.status;
        var head = document.createElement("div");
        head.className = "outbox-head";
        var title = document.createElement("strong");
        title.textContent = text.what;
        var badge = document.createElement("span");
        badge.className = "badge " + (item.status === "pending" ? "badge-pending" : "badge-rejected");
        badge.textContent = strings[item.status] || strings.pending;
        head.appendChild(title);
        head.appendChild(badge);
        row.appendChild(head);
        var stall = document.createElement("div");
        stall.className = "outbox-stall";
        var code = document.createElement("span");
        code.className = "code";
        code.textContent = text.stall[0];
        stall.appendChild(code);
        if (text.stall[1]) stall.appendChild(document.createTextNode(" · " + text.stall[1]));
        row.appendChild(stall);
        var since = document.createElement("div");
        since.className = "muted small";
        since.textContent = strings.since + " " + new Date(item.created).toLocaleString(document.documentElement.lang);
        row.appendChild(since);
        if (item.files && item.files.length) {
          var photo = document.createElement("div");
          photo.className = "muted small outbox-photo";
          photo.textContent = strings.photo.replace("{kb}", number(Math.round(
            item.files.reduce(function (sum, f) { return sum + f[1].size; }, 0) / 1024))) +
            (text.recheck ? " " + strings.recheck_later : "");
          row.appendChild(photo);
        }
        if (item.error) {
          var error = document.createElement("p");
          error.className = item.status === "pending" ? "muted small outbox-error" : "error outbox-error";
          error.textContent = strings[item.error] || item.error;
          row.appendChild(error);
        }
        var actions = document.createElement("div");
        actions.className = "actions minor";
        row.appendChild(actions);
        list.appendChild(row);
        if (item.status === "warning") {
          // Sent: nothing to fix or send; the stall's page has the verdict, and it is seen.
          var open = document.createElement("a");
          open.className = "button secondary";
          open.href = body.dataset.outbox.replace(/outbox$/, "stalls/") + text.stallId;
          open.textContent = strings.open_stall;
          var seen = document.createElement("button");
          seen.type = "button";
          seen.className = "button ghost";
          seen.textContent = strings.seen;
          seen.addEventListener("click", function () { MOOutbox.remove(item.id); });
          actions.appendChild(open);
          actions.appendChild(seen);
          return;
        }
        var fix = document.createElement("a");
        fix.className = "button secondary";
        fix.href = item.formUrl.split("#")[0] + "#outbox-" + item.id;
        fix.textContent = strings.fix;
        var discard = document.createElement("button");
        discard.type = "button";
        discard.className = "button ghost";
        discard.textContent = strings.discard;
        discard.addEventListener("click", function () {
          if (window.confirm(strings.discard_confirm)) MOOutbox.remove(item.id);
        });
        actions.appendChild(fix);
        actions.appendChild(discard);
      });
    });
  }

  // --- forms: fresh ids, drafts, fixing a rejected item, offline submit -------------------

  // Where a form posts. Not form.action: the registration form has a button named "action",
  // which that property returns instead.
  function formUrl(form) {
    return new URL(form.getAttribute("action") || location.href, location.href);
  }

  // The form's text fields (its photos: photosOf).
  function formFields(form, submitter) {
    var fields = [];
    new FormData(form, submitter).forEach(function (value, name) {
      if (typeof value === "string") fields.push([name, value]);
    });
    return { fields: fields };
  }

  // The photos chosen in a form, as [name, Blob, file name]: scaled down like an upload
  // (scan.js) where the field asks for it, so the outbox holds and later sends ≤ 1600 px.
  function photosOf(form) {
    var inputs = Array.prototype.filter.call(form.querySelectorAll("input[type=file]"),
      function (input) { return input.files.length > 0; });
    return Promise.all(inputs.map(function (input) {
      var file = input.files[0];
      var small = input.hasAttribute("data-downscale") && window.MOPhoto
        ? window.MOPhoto.shrink(file).catch(function () { return file; }) : Promise.resolve(file);
      return small.then(function (blob) {
        return [input.name, blob, blob === file ? file.name : "photo.jpg"];
      });
    }));
  }

  // A rejected item's photos back in their fields, to be sent again once fixed.
  function restorePhotos(form, photos) {
    (photos || []).forEach(function (photo) {
      var input = form.querySelector("input[type=file][name=\"" + photo[0] + "\"]");
      if (!input || !window.DataTransfer) return;
      var chosen = new DataTransfer();
      chosen.items.add(new File([photo[1]], photo[2], { type: photo[1].type }));
      input.files = chosen.files;
      input.dispatchEvent(new Event("change"));
    });
  }

  // An edit form's hidden "shown." fields say what it showed (web/forms.py): a draft keeps
  // them with what was typed, so that restored, the fields left as they were do not undo what
  // someone saved since the draft was typed.
  function isShown(el) { return el.type === "hidden" && el.name.indexOf("shown.") === 0; }

  function typedValues(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "submit") return;
      if (el.type === "hidden" && !isShown(el)) return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) values[el.name] = el.value;
        else if (!(el.name in values)) values[el.name] = null;
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function fill(form, values, withHidden) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in values) || el.type === "file" || el.type === "submit") return;
      if (el.type === "hidden" && !isShown(el) && (!withHidden || el.name === "csrf_token")) {
        return;
      }
      if (el.type === "checkbox" || el.type === "radio") el.checked = values[el.name] === el.value;
      else el.value = values[el.name];
    });
  }

  function notice(form, text, className, action) {
    var box = document.createElement("div");
    box.className = className;
    box.setAttribute("role", "status");
    var p = document.createElement("p");
    p.textContent = text;
    box.appendChild(p);
    if (action) box.appendChild(action);
    form.parentNode.insertBefore(box, form);
    return box;
  }

  function freshClientId(form) {
    var input = form.querySelector("input[name=client_id]");
    if (!input || !input.value) return Promise.resolve();
    return MOOutbox.isUsed(input.value).then(function (used) {
      if (used) input.value = MOOutbox.uuid();
    });
  }

  function setUpForm(form) {
    var path = formUrl(form).pathname;
    var key = draftKey(path);
    var fixing = /^#outbox-(\d+)$/.exec(location.hash);
    var shownErrors = document.querySelector(".alert, .has-error, .warning[role=alert]");
    // The server's answer to a scan: the page holds what was typed and what was read.
    var answered = form.hasAttribute("data-answer");
    var ready = fixing ? null : freshClientId(form);

    // The form opened to fix a refused item: it holds what was sent, and what it sends
    // takes that item's place.
    function fixItem(item, withValues) {
      if (withValues) {
        fill(form, fieldsOf(item), true);
        restorePhotos(form, item.files);
      }
      notice(form, strings.fixing + (item.error ? " " + (strings[item.error] || item.error) : ""), "alert outbox-fixing");
      form.dataset.replaces = item.id;
      // Refused for a phone another stall has: the box the server's page has, here too, so
      // that the volunteer confirms without a signal.
      if (item.confirm && !form.querySelector("input[name=confirm_phone]")) {
        var confirm = document.createElement("div");
        confirm.className = "warning outbox-confirm";
        // The server's question with its box, as its page has them.
        var question = document.createElement("p");
        question.textContent = item.error || "";
        confirm.appendChild(question);
        var label = document.createElement("label");
        var box = document.createElement("input");
        box.type = "checkbox";
        box.name = "confirm_phone";
        box.value = "on";
        label.append(box, " " + strings.confirm_phone);
        confirm.appendChild(label);
        var phone = form.querySelector("[name=owner_phone]");
        (phone ? phone.closest(".field") : form.firstElementChild).after(confirm);
      }
    }

    // The form of a stall whose registration waits to be sent (a copy kept while there was a
    // signal, opened again without one): held back, as the page kept for a stall does, until
    // the item is sent or refused (``waitingAnswered``), then the stall's page.
    function holdForm(item, stallId) {
      var link = document.createElement("a");
      link.className = "button secondary";
      link.href = body.dataset.outbox;
      link.textContent = strings.see_waiting;
      notice(form, strings.registration_waiting, "flash outbox-waiting", link);
      form.hidden = true;
      form.dataset.waiting = item.id;
      form.dataset.answered = MOOutbox.root + "/stalls/" + stallId;
    }

    if (fixing) {
      ready = MOOutbox.get(Number(fixing[1])).then(function (item) {
        if (item && item.user === user) fixItem(item, true);
      });
    } else if (answered) {
      localStorage.setItem(key, JSON.stringify(typedValues(form)));
    } else if (!shownErrors) {
      // A page the server sent back with errors already shows the latest values.
      var draft = JSON.parse(localStorage.getItem(key) || "null");
      if (draft) {
        fill(form, draft, false);
        var discard = document.createElement("button");
        discard.type = "button";
        discard.className = "button ghost";
        discard.textContent = strings.draft_discard;
        var box = notice(form, strings.draft_restored, "flash draft-restored", discard);
        discard.addEventListener("click", function () {
          localStorage.removeItem(key);
          location.reload();
        });
        box.dataset.draft = "restored";
      }
      // A stall's edit form opened again while its last edit waits on the phone: it shows
      // that edit, as what the volunteer last saw of the stall. The copy kept showed the stall
      // before it, and a second edit made on it was refused after the first as a change
      // "someone else" had made meanwhile.
      var editing = MOOutbox.outboxForm(path);
      if (!draft && editing && editing[3] === "edit") {
        ready = ready.then(function () { return MOOutbox.list(user); }).then(function (items) {
          var last = items.filter(function (item) {
            return item.status === "pending" && new URL(item.url).pathname === path;
          }).pop();
          if (!last) return;
          var sent = fieldsOf(last);
          var seen = {};
          Array.prototype.forEach.call(form.elements, function (el) {
            if (isShown(el) && el.name.slice(6) in sent) seen[el.name] = sent[el.name.slice(6)];
          });
          fill(form, Object.assign({}, sent, seen), false);
        });
      }
      // A stall is registered once: its form is held back while its registration waits, and
      // offered again after the server refused it, is that refused item to fix (typed over
      // by a newer draft), not a second registration queued beside it.
      var registering = MOOutbox.outboxForm(path);
      if (registering && registering[3] === "register") {
        ready = ready.then(function () { return MOOutbox.list(user); }).then(function (items) {
          var mine = items.filter(function (item) { return new URL(item.url).pathname === path; });
          var last = function (status) {
            return mine.filter(function (item) { return item.status === status; }).pop();
          };
          if (last("pending")) holdForm(last("pending"), registering[2]);
          else if (last("rejected")) fixItem(last("rejected"), !draft);
        });
      }
    }

    // What is typed is kept as the form's draft, and comes back the next time the form opens:
    // not while it fixes an item on the phone. The item holds that registration; kept as the
    // form's draft, a fix left unsaved filled the next new stall's form with another owner's
    // name, account and consent.
    function keepDraft() {
      if (fixing || form.dataset.replaces) return;
      localStorage.setItem(key, JSON.stringify(typedValues(form)));
    }
    form.addEventListener("input", keepDraft);
    form.addEventListener("change", keepDraft);

    // Into the outbox: the fields, the photos given (scaled by scan.js) and the client id.
    // ``sent``: the form was already sent once with this id and the answer lost, so the id
    // stays (the server may hold that write); otherwise a form reopened from the phone's copy
    // carries an id already used, and gets a fresh one.
    function queue(submitter, photos, sent) {
      var input = form.querySelector("input[name=client_id]");
      return ready.then(function () {
        return form.dataset.replaces || sent ? null : freshClientId(form);
      }).then(function () {
        var clientId = input && input.value ? input.value : MOOutbox.uuid();
        // When it was done, by the phone's clock: sent later, a step is dated by it, not by
        // when the signal came back (the server keeps both).
        var fields = formFields(form, submitter).fields.filter(function (field) {
          return field[0] !== "device_time";
        }).concat([["device_time", new Date().toISOString()]]);
        return MOOutbox.add({ user: user, url: formUrl(form).href, fields: fields,
                              files: photos, clientId: clientId, formUrl: location.href });
      }).then(function () {
        return form.dataset.replaces ? MOOutbox.remove(Number(form.dataset.replaces)) : null;
      }).then(function () {
        localStorage.removeItem(key);
        return askForSync();
      }).then(function () {
        location.href = MOOutbox.queuedUrl(body.dataset.outbox, formUrl(form).href);
      });
    }

    form.dataset.outbox = "1";
    form.addEventListener("mo:queue", function (event) {
      queue(event.detail.submitter, event.detail.photos, event.detail.sent);
    });

    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.hasAttribute("data-carry")) {
        var target = carryDraft(form, submitter);
        localStorage.removeItem(key);  // what was typed goes on with the census stall
        if (!navigator.onLine) {
          event.preventDefault();
          location.href = target;
        }
        return;
      }
      var scan = submitter && submitter.name === "action" && submitter.value === "scan";
      var input = form.querySelector("input[name=client_id]");
      if (!navigator.onLine) {
        if (scan) {
          // scan.js reads the QR here and fills the form; without it nothing can read it.
          if (!event.defaultPrevented) window.alert(strings.scan_needs_network);
          event.preventDefault();
          return;
        }
        event.preventDefault();
        photosOf(form).then(function (photos) { return queue(submitter, photos, false); });
        return;
      }
      // A scan's answer shows what was typed with the bank and account read, and becomes
      // the draft; until it comes (a signal lost on the way) the draft stays.
      if (scan) return;
      // The form of an item on the phone (``MOOutbox.requeue``): the item is brought up to
      // date before the form goes (a page left for the next one may not finish a write), and
      // the form then goes as below. scan.js sends a form with a photo itself, from the page.
      if (input && input.value && !form.dataset.requeued) {
        // An older browser without requestSubmit posts at once (the item's update may then
        // not finish before the page goes).
        var sending = event.defaultPrevented || !form.requestSubmit;
        var fields = formFields(form, submitter).fields;
        var requeued = MOOutbox.withClientId(user, input.value).then(function (item) {
          return item && photosOf(form).then(function (photos) {
            return MOOutbox.requeue(item, fields, photos);
          });
        }).catch(function () {});
        if (!sending) {
          event.preventDefault();
          requeued.then(function () {
            form.dataset.requeued = "1";
            if (submitter) form.requestSubmit(submitter); else form.requestSubmit();
          });
          return;
        }
      }
      delete form.dataset.requeued;
      // Sent as plain HTML from here: the page that answers shows what was sent.
      localStorage.removeItem(key);
      // If the signal drops on the way, the service worker keeps the write in the outbox.
      if (input && input.value) MOOutbox.markUsed(input.value, user);
    });
  }

  // "Already in the census" posts what was typed to that stall's form, which shows it (see
  // views.carried_fields: no script needed, so a tap before this one runs carries it too).
  // The same names go into that form's draft here, so that without a signal the phone's copy
  // of the form opens with them.
  function carryDraft(form, submitter) {
    var typed = typedValues(form);
    var carried = {};
    submitter.dataset.carry.split(" ").forEach(function (name) {
      if (typed[name]) carried[name] = typed[name];
    });
    var target = new URL(submitter.formAction, location.href).pathname;
    var existing = JSON.parse(localStorage.getItem(draftKey(target)) || "{}");
    localStorage.setItem(draftKey(target), JSON.stringify(Object.assign(existing, carried)));
    return target;
  }

  // --- the market's stall list: kept on the phone, searched there when offline ------------

  function stallRow(stall, statusLabel, pending) {
    var li = document.createElement("li");
    var link = document.createElement(stall.url ? "a" : "div");
    link.className = "row-link" + (pending ? " pending" : "");
    if (stall.url) link.href = stall.url;
    link.dataset.stallCode = stall.code;
    var code = document.createElement("span");
    code.className = "code";
    code.textContent = stall.code;
    var grow = document.createElement("span");
    grow.className = "grow";
    var name = document.createElement("strong");
    name.textContent = stall.shop || stall.owner || "—";
    var small = document.createElement("span");
    small.className = "muted small";
    small.textContent = [stall.zone, stall.owner].filter(Boolean).join(" · ");
    grow.appendChild(name);
    grow.appendChild(document.createTextNode(" "));
    grow.appendChild(small);
    var badge = document.createElement("span");
    badge.className = "badge badge-" + (pending ? "pending" : stall.status);
    badge.textContent = statusLabel;
    link.appendChild(code);
    link.appendChild(grow);
    link.appendChild(badge);
    li.appendChild(link);
    return li;
  }

  function marketCode() {
    var match = /^\/m\/([^/]+)\/$/.exec(MOOutbox.appPath(location.pathname) || "");
    return match && document.getElementById("stall-list") ? decodeURIComponent(match[1]) : null;
  }

  // The outbox items shown as pending rows of this list (their ids), to see them leave.
  var shownPending = [];

  function renderPendingStalls(items) {
    var market = marketCode();
    var list = document.getElementById("stall-list");
    if (!market || !list) return;
    var waiting = items.map(function (item) { return item.id; });
    // A stall shown pending has been sent (by this page or by the worker's background sync):
    // it belongs in the list now, which is read again below, or it would vanish from it.
    var sent = shownPending.some(function (id) { return waiting.indexOf(id) < 0; });
    shownPending = [];
    list.querySelectorAll("li.pending-stall").forEach(function (li) { li.remove(); });
    // Only those the list's search would find, once registered (a new stall has no status
    // yet, so none under a status filter), and at the head of its first page only.
    var form = document.querySelector("form.search");
    var test = form ? searchTest(form) : function () { return true; };
    if (Number(new URLSearchParams(location.search).get("page")) > 1) {
      test = function () { return false; };
    }
    items.slice().reverse().forEach(function (item) {
      var match = MOOutbox.outboxForm(new URL(item.url).pathname);
      if (!match || decodeURIComponent(match[1] || "") !== market) return;
      var fields = fieldsOf(item);
      var stall = { code: fields.stall_code, shop: fields.shop_name, owner: fields.owner_name,
                    zone: fields.zone, status: null };
      if (!test(stall)) return;
      // Tapped: the item on the pending list, or the form to fix a refused one.
      stall.url = item.status === "rejected" ? item.formUrl.split("#")[0] + "#outbox-" + item.id
        : body.dataset.outbox + "#outbox-" + item.id;
      var li = stallRow(stall, item.status === "rejected" ? strings.rejected : strings.pending, true);
      li.classList.add("pending-stall");
      list.insertBefore(li, list.firstChild);
      shownPending.push(item.id);
    });
    // How many waiting stalls the list shows at the top, once it has looked.
    list.dataset.waitingShown = String(list.querySelectorAll("li.pending-stall").length);
    var registrations = waitingRegistrations(items);
    list.querySelectorAll("li:not(.pending-stall) a.row-link").forEach(function (link) {
      var stall = STALL_PAGE.exec(MOOutbox.appPath(new URL(link.href).pathname) || "");
      var item = stall && !stall[2] && registrations[stall[1]];
      var badge = link.querySelector(".badge");
      var name = link.querySelector(".grow strong");
      // The status and name the list shows, to show again if the server refuses the
      // registration; while it waits, the row shows the shop name the form gives the stall.
      if (!("listedClass" in badge.dataset)) {
        badge.dataset.listedClass = badge.className;
        badge.dataset.listed = badge.textContent;
        if (name) name.dataset.listed = name.textContent;
      }
      link.classList.toggle("pending", !!item);
      badge.className = item ? "badge badge-pending" : badge.dataset.listedClass;
      badge.textContent = item ? strings.pending : badge.dataset.listed;
      if (name) name.textContent = (item && fieldsOf(item).shop_name) || name.dataset.listed;
      if (item) shownPending.push(item.id);
    });
    if (sent) reloadList();
  }

  // The search form as an address of this list, on ``page`` (what the server's pager links).
  function listAddress(form, page) {
    var params = new URLSearchParams(new FormData(form));
    if (page > 1) params.set("page", String(page));
    return "?" + params.toString();
  }

  // A pager like the server's, for the offline copy: its links are addresses of this list
  // that the service worker answers with the kept list, which this script then searches.
  function offlinePager(form, page, pages) {
    var nav = document.createElement("nav");
    nav.className = "pager";
    nav.setAttribute("aria-label", strings.pages);
    function link(to, text) {
      var a = document.createElement("a");
      a.className = "button secondary";
      a.href = listAddress(form, to);
      a.textContent = text;
      return a;
    }
    if (page > 1) nav.appendChild(link(page - 1, "‹ " + strings.previous));
    var at = document.createElement("span");
    at.textContent = page + " / " + pages;
    nav.appendChild(at);
    if (page < pages) nav.appendChild(link(page + 1, strings.next + " ›"));
    return nav;
  }

  // The search form set as this address asks (a list page never opened online is answered
  // with the kept list, its form empty): the text, the status, and the zone however spelled.
  function fillSearch(form, params) {
    var q = form.querySelector("input[name=q]");
    if (q) q.value = params.get("q") || "";
    var status = form.querySelector("select[name=status]");
    if (status) status.value = params.get("status") || "";
    var zone = form.querySelector("select[name=zone]");
    if (zone) {
      var wanted = zoneKey(params.get("zone"));
      var option = Array.prototype.find.call(zone.options, function (o) {
        return o.value && zoneKey(o.value) === wanted;
      });
      zone.value = option && wanted ? option.value : "";
    }
  }

  // What the list's search form asks, as a test of a stall ({code, shop, owner, zone,
  // status}) the server's search would find.
  function searchTest(form) {
    var data = new FormData(form);
    var query = fold(data.get("q"));
    var compact = query.replace(/[^a-z0-9]/g, "");
    // As the server: names spelled alike, and a last word typed with its "y" ("my") is that
    // whole word, not the start of another ("Minh").
    var wanted = spelled(query);
    if (lastWord(wanted) !== lastWord(query)) wanted += " ";
    // Only what could be a code (ASCII letters, digits, separators): "Phở 24" is a name.
    var typedCode = /^[A-Za-z0-9\s\-.\/]+$/.test(data.get("q") || "") ? codeKey(data.get("q")) : "";
    var status = data.get("status") || "";
    var zone = zoneKey(data.get("zone"));
    var test = function (s) {
      var text = fold([s.code, s.shop, s.owner].join(" "));
      return (!query || (spelled(text) + " ").indexOf(wanted) >= 0 || (compact && text.replace(/[^a-z0-9]/g, "").indexOf(compact) >= 0) ||
              (typedCode && codeKey(s.code) === typedCode)) &&
        (!status || s.status === status) && (!zone || zoneKey(s.zone) === zone);
    };
    test.typedCode = typedCode;
    return test;
  }

  // What reads as a phone number, which the server finds: a whole Vietnamese one (0 or +84
  // and nine digits, spaced or not), or its last four to nine digits (stall_lookup).
  var PHONE_LIKE = /^\s*(?:(?:\+?84|0)(?:[\s.\-]*\d){9}|\d(?:[\s.\-]*\d){3,8})\s*$/;

  // The stalls found, a page at a time as the server shows them (views.PAGE_SIZE): drawing a
  // big market's 1,400 rows at once held a cheap phone for 4 s.
  function searchOffline(form, stalls, page) {
    var test = searchTest(form);
    var typedCode = test.typedCode;
    var statusNames = {};
    form.querySelectorAll("select[name=status] option").forEach(function (o) { statusNames[o.value] = o.textContent; });
    var found = stalls.filter(test);
    // As the server: the stall whose code was typed first, then the list's order (stable).
    if (typedCode) {
      found = found.filter(function (s) { return codeKey(s.code) === typedCode; })
        .concat(found.filter(function (s) { return codeKey(s.code) !== typedCode; }));
    }
    var list = document.getElementById("stall-list");
    var size = Number(list.dataset.pageSize) || found.length || 1;
    var pages = Math.max(1, Math.ceil(found.length / size));
    page = Math.min(Math.max(1, page || 1), pages);
    list.textContent = "";
    var stallUrl = body.dataset.outbox.replace(/outbox$/, "stalls/");
    found.slice((page - 1) * size, page * size).forEach(function (s) {
      list.appendChild(stallRow(Object.assign({ url: stallUrl + s.id }, s), statusNames[s.status] || s.status, false));
    });
    var count = document.querySelector(".count");
    function sayFound(total) {
      if (!count) return;
      count.textContent = strings.offline_search + " " +
        strings.offline_found.replace("{n}", number(total)) +
        // The server finds an owner's phone number; the phone keeps no phone numbers.
        (PHONE_LIKE.test((form.querySelector("input[name=q]") || {}).value || "")
          ? " " + strings.phone_needs_network : "");
    }
    sayFound(found.length);
    document.querySelectorAll(".pager").forEach(function (p) { p.remove(); });
    if (pages > 1) list.after(offlinePager(form, page, pages));
    // The address says what is shown: a reload, the way back from a stall, and the list
    // read again when the signal returns (reloadList) all get this search.
    history.replaceState(history.state, "", listAddress(form, page));
    return MOOutbox.list(user).then(renderPendingStalls).then(function () {
      // The stalls waiting on the phone that this search finds are found too: "0" above
      // the one row listed read as nothing found.
      var waiting = Number(list.dataset.waitingShown) || 0;
      if (waiting) sayFound(found.length + waiting);
    });
  }

  // The market's stalls, kept on the phone for searching without a signal. Asked for with
  // the tag of the copy kept: unchanged, the server answers 304 with nothing (a big market's
  // list is five times its page, and this runs on every search and page turn).
  function keepStalls(market) {
    return MOOutbox.stallsTag(user, market).then(function (tag) {
      return fetch(location.pathname + "stalls.json", {
        credentials: "same-origin", headers: tag ? { "If-None-Match": tag } : {}
      });
    }).then(function (r) {
      if (!r.ok) return null;  // 304 too: the copy kept is the list
      return r.json().then(function (data) {
        return MOOutbox.saveStalls(user, market, data.stalls, r.headers.get("ETag"));
      });
    }).catch(function () {});
  }

  function setUpMarket() {
    var market = marketCode();
    if (!market) return;
    var form = document.querySelector("form.search");
    if (navigator.onLine) {
      keepStalls(market);
    } else if (form && location.search) {
      // An offline copy of the list stands in for a search never made online, or a page of
      // it: as the address asks.
      var params = new URLSearchParams(location.search);
      fillSearch(form, params);
      MOOutbox.stalls(user, market).then(function (stalls) {
        searchOffline(form, stalls, Number(params.get("page")) || 1);
      });
    }
    if (form) {
      form.addEventListener("submit", function (event) {
        if (navigator.onLine) return;
        event.preventDefault();
        MOOutbox.stalls(user, market).then(function (stalls) { searchOffline(form, stalls, 1); });
      });
    }
  }

  // --- a stall page the phone never kept ---------------------------------------------------

  // A stall's page or form at its address within the app (1: stall id, 2: which form).
  var STALL_PAGE = /^\/stalls\/(\d+)(?:\/(register|edit|account|events\/[a-z_]+))?$/;

  // The page the service worker answers, without a signal, for a stall's page (or form) the
  // phone never kept (offline/stall.html), at that stall's address: filled here from the
  // market's stalls kept on the phone. A census stall gets its census form, pointed at that
  // stall's own form: set up below like it (drafts, a fresh client id, the outbox), sent
  // like it, and checked by the server when it arrives. Resolves once the page is filled.
  function setUpStandIn(box) {
    var match = STALL_PAGE.exec(MOOutbox.appPath(location.pathname) || "");
    var form = document.getElementById("register-form");
    var lookup = match ? Promise.all([MOOutbox.findStall(user, Number(match[1])),
                                      MOOutbox.list(user)]) : Promise.resolve([null, []]);
    return lookup.catch(function () { return [null, []]; }).then(function (kept) {
      var found = kept[0];
      var stall = found && found.stall;
      var waiting = stall && waitingRegistrations(kept[1])[stall.id];
      // The census form only where the stall's page or census form was asked for: the
      // phone's copy cannot tell what another form of a stall needs. A registration waiting
      // to be sent says so instead.
      var shown = !stall ? "unknown" : waiting ? "waiting" : stall.status === "census" &&
        (!match[2] || match[2] === "register") ? "census" : "other";
      box.querySelectorAll("[data-when]").forEach(function (el) {
        el.hidden = el.dataset.when.split(" ").indexOf(shown) < 0;
      });
      if (!stall) {
        form.remove();
        return;
      }
      var statuses = JSON.parse(document.getElementById("stand-in-statuses").textContent);
      box.dataset.status = stall.status;
      box.querySelector("[data-fact=code]").textContent = stall.code;
      box.querySelector("[data-fact=shop]").textContent = stall.shop || stall.owner || "—";
      box.querySelector("[data-fact=more]").textContent =
        [stall.zone, stall.owner].filter(Boolean).join(" · ");
      var badge = box.querySelector("[data-fact=status]");
      badge.className = "badge badge-" + (waiting ? "pending" : stall.status);
      badge.textContent = waiting ? strings.pending : statuses[stall.status] || stall.status;
      badge.hidden = false;
      if (waiting) box.dataset.waiting = waiting.id;
      document.title = stall.code + " · " + document.title;
      // Back to the market's list as it was left in this tab (as app.js does for "‹ market").
      var list = MOOutbox.root + "/m/" + encodeURIComponent(found.market) + "/";
      var search = "";
      try { search = sessionStorage.getItem("mo-list:" + list) || ""; } catch (error) { /* none kept */ }
      document.querySelectorAll("[data-stand-in-list]").forEach(function (link) {
        link.href = list + search;
      });
      if (shown !== "census") {
        form.remove();
        return;
      }
      var register = MOOutbox.root + "/stalls/" + stall.id + "/register";
      form.setAttribute("action", register);
      // The address says what is shown: a reload, and "Mở và sửa" of an item the server
      // refused, open this stall's census form (the server's, once there is a signal).
      if (match[2] !== "register") history.replaceState(history.state, "", register);
      fill(form, { stall_code: stall.code, zone: stall.zone || "", shop_name: stall.shop || "",
                   owner_name: stall.owner || "" }, false);
      // app.js suggests the holder name from the owner's, as on the server's form.
      form.querySelector("[data-owner-name]").dispatchEvent(new Event("input"));
      form.hidden = false;
    });
  }

  // The page kept for a stall, showing its registration waiting: once the server has answered
  // (the item sent, or refused), the stall's page as it now is.
  // A page showing a registration as waiting (the page kept for a stall, a census form held
  // back): once the item is sent or refused, the page as it now is.
  function waitingAnswered(items) {
    var held = document.querySelectorAll("#stand-in[data-waiting], form[data-waiting]");
    var answered = Array.prototype.find.call(held, function (el) {
      var id = Number(el.dataset.waiting);
      return !items.some(function (item) { return item.id === id && item.status === "pending"; });
    });
    if (answered && answered.dataset.answered) location.replace(answered.dataset.answered);
    else if (answered) location.reload();
  }

  // --- pages kept for offline use ---------------------------------------------------------

  // This page, the forms reachable from it and the pending list, stored once while there is a
  // signal so the service worker has them when there is none. Stored from here rather than
  // through the worker: on the first visit it does not control the page yet.
  function warm() {
    if (!navigator.onLine || !window.caches) return;
    var urls = [body.dataset.outbox];
    if (MOOutbox.isPage(location.pathname)) urls.push(location.pathname);
    // With a market's list (kept with its stalls): the page for the stall pages not kept.
    var list = document.getElementById("stall-list");
    if (list && list.dataset.standIn) urls.push(list.dataset.standIn);
    // Links to forms, and buttons that post to another form ("already in the census").
    document.querySelectorAll("main a[href], main button[formaction]").forEach(function (el) {
      var url = new URL(el.href || el.formAction, location.href);
      if (url.origin === location.origin && MOOutbox.outboxForm(url.pathname)) urls.push(url.pathname);
    });
    var lang = document.documentElement.lang;
    caches.open(PAGES_CACHE).then(function (cache) {
      if (localStorage.getItem(PAGES_LANG) === lang) {
        urls.forEach(function (url) {
          cache.match(url).then(function (found) {
            if (!found) cache.add(url).catch(function () {});
          });
        });
        return;
      }
      // The language was switched (or never noted): every page kept is fetched again, one
      // at a time, so a volunteer without a signal reads the language just chosen. A page
      // that cannot be fetched keeps its old copy.
      localStorage.setItem(PAGES_LANG, lang);
      return cache.keys().then(function (kept) {
        var all = urls.map(function (url) { return new URL(url, location.href).href; });
        kept.forEach(function (request) {
          if (all.indexOf(request.url) < 0) all.push(request.url);
        });
        return all.reduce(function (done, url) {
          return done.then(function () { return cache.add(url).catch(function () {}); });
        }, Promise.resolve());
      });
    });
  }

  // The language the kept pages were fetched in (the <html lang> of the page that kept them).
  var PAGES_LANG = "mo-pages-lang";

  // --- a shared phone -------------------------------------------------------------------

  // The pages kept on the phone are one volunteer's (their name, their pending list, their
  // stall pages). When the last one did not log out (the browser closed, the session ended),
  // theirs go before this volunteer's are kept: without a signal this one would be served
  // them. Their waiting items stay, under their name, for when they sign in again.
  // The phone is noted as this volunteer's only once theirs are gone: noted first, a page
  // left before the deletion ended would leave the last one's pages for good, and a page
  // kept for this volunteer meanwhile could still be deleted after the note.
  function claimPhone() {
    return MOOutbox.currentUser().then(function (previous) {
      if (!previous || previous === user || !window.caches) return MOOutbox.setCurrentUser(user);
      return caches.delete(PAGES_CACHE).then(function () {
        localStorage.removeItem(PAGES_LANG);
        return MOOutbox.setCurrentUser(user);
      });
    });
  }

  // --- logging out on a shared phone -------------------------------------------------------

  // The session ended on the server, before anything is removed from the phone: without a
  // signal the phone would forget this volunteer's unsent work and pages, yet stay signed in
  // as them for whoever uses it next. The token is the session's own (a page kept on the
  // phone may hold an earlier session's). Resolves to the login page's URL once logged out,
  // or null when the server could not be reached.
  function logOut(form) {
    return MOOutbox.signedIn(links).then(function (signedIn) {
      if (signedIn.kind === "login") return new URL(links.login, location.href).href;
      if (signedIn.kind) return null;
      var data = new URLSearchParams(new FormData(form));
      data.set("csrf_token", signedIn.token);
      return fetch(formUrl(form).href, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) {
          var url = new URL(response.url);
          return response.ok && url.pathname === links.login ? url.href : null;
        });
    }).catch(function () { return null; });
  }

  function setUpLogout() {
    var form = document.querySelector("form.logout");
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      MOOutbox.list(user).then(function (items) {
        if (items.length && !window.confirm(strings.logout_confirm.replace("{n}", number(items.length)))) return;
        return logOut(form).then(function (loginPage) {
          if (!loginPage) {
            window.alert(strings.logout_offline);
            return;
          }
          Object.keys(localStorage).forEach(function (key) {
            if (key.indexOf(draftKey("")) === 0) localStorage.removeItem(key);
          });
          localStorage.removeItem(PAGES_LANG);  // goes with the pages
          return Promise.all([MOOutbox.clearUser(user), window.caches ? caches.delete(PAGES_CACHE) : null])
            .then(function () { location.replace(loginPage); });
        });
      });
    });
  }

  // --- poster downloads: files the phone does not keep ------------------------------------

  // Without a signal a poster link left the app for the browser's "no internet" page. Said
  // beside the links instead: tapped while the phone knows it is offline, or when the
  // worker sent the download back here (the phone thought it had a signal).
  function setUpPosterLinks() {
    function say() {
      var links = document.querySelector(".poster-links");
      if (!links || document.querySelector(".poster-offline")) return;
      var error = document.createElement("p");
      error.className = "error poster-offline";
      error.setAttribute("role", "alert");
      error.textContent = strings.poster_needs_network;
      links.after(error);
    }
    document.querySelectorAll(".poster-links a[data-format]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (navigator.onLine) return;
        event.preventDefault();
        say();
      });
    });
    if (location.hash === "#poster-offline") {
      history.replaceState(null, "", location.pathname + location.search);
      say();
      // Sent back to the page's top: the message by the links, far below, is brought up.
      var said = document.querySelector(".poster-offline");
      if (said) said.scrollIntoView({ block: "center" });
    }
  }

  // --- start ----------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.indexedDB || !window.MOOutbox) return;
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(body.dataset.sw).catch(function () {});
    }
    function setUpForms() {
      document.querySelectorAll("main form[method=post]").forEach(function (form) {
        if (MOOutbox.outboxForm(formUrl(form).pathname)) setUpForm(form);
      });
    }
    // A stall page never kept: its form is set up once it is filled (and pointed at its
    // stall), so that a draft goes over the phone's copy, not under it.
    var standIn = document.getElementById("stand-in");
    if (standIn) setUpStandIn(standIn).then(setUpForms);
    else setUpForms();
    nextSteps();
    var resend = document.getElementById("outbox-resend");
    if (resend) {
      // Tried even when the phone believes it is offline: it is sometimes wrong.
      resend.addEventListener("click", function () {
        MOOutbox.drain(user, links).then(refresh);
      });
    }
    setUpMarket();
    setUpLogout();
    setUpPosterLinks();
    if (window.BroadcastChannel) new BroadcastChannel("mo-outbox").onmessage = refresh;
    window.addEventListener("online", drain);
    // One bar of signal comes and goes without an "online" event: try again now and then
    // while something waits.
    setInterval(function () {
      if (document.getElementById("outbox-badge").dataset.pending !== "0") drain();
    }, RETRY_MS);
    Promise.all([claimPhone(), refresh().then(drain)]).then(warm);
  });
})();
