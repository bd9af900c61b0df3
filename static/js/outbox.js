// The outbox (DESIGN §10): writes made without a connection, kept in IndexedDB until the
// server acknowledges them. Loaded by pages and by the service worker (importScripts), after
// the vendored idb (self.idb), so both send the same way.
(function (root) {
  "use strict";

  var DB_NAME = "merchant-onboard";
  var dbPromise = null;

  function db() {
    if (!dbPromise) {
      dbPromise = root.idb.openDB(DB_NAME, 1, {
        upgrade: function (database) {
          // Pending writes, in the order they were made (the key).
          database.createObjectStore("outbox", { keyPath: "id", autoIncrement: true })
            .createIndex("user", "user");
          // Every client_id this device has submitted: a form reopened from the cache still
          // carries the id it was first rendered with, and reusing it would replay that write.
          database.createObjectStore("used", { keyPath: "clientId" }).createIndex("user", "user");
          // Each market's stall list for offline search, and what stall pages show of a stall.
          database.createObjectStore("stalls", { keyPath: ["user", "market"] }).createIndex("user", "user");
          // The signed-in user, as the last page opened saw it.
          database.createObjectStore("meta", { keyPath: "key" });
        }
      });
    }
    return dbPromise;
  }

  // Ask the pages to redraw their badge and lists.
  function changed() {
    if (root.BroadcastChannel) new root.BroadcastChannel("mo-outbox").postMessage("changed");
  }

  function uuid() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ root.crypto.getRandomValues(new Uint8Array(1))[0] & 15 >> c / 4).toString(16);
    });
  }

  // Serialise the senders (pages and the worker): two of them draining at once would send
  // the same item twice, harmless (same client_id) but out of order.
  function exclusive(task) {
    if (root.navigator && root.navigator.locks) {
      return root.navigator.locks.request("mo-outbox", task);
    }
    return task();
  }

  // The server's own messages in a rejected form page: the alert, the field errors, a
  // warning to confirm, and a re-check's verdict (no QR found in the photo). The worker has no
  // DOMParser, so a pattern over the escaped HTML.
  function rejectionMessages(html) {
    var found = [];
    var pattern = /<p class="error"(?: id="e-([^"]+)")?[^>]*>([\s\S]*?)<\/p>|<div class="(?:alert|warning)"[^>]*>[\s\S]*?<p>([\s\S]*?)<\/p>|<div class="recheck-result[^"]*"[^>]*>\s*<strong>([\s\S]*?)<\/strong>/g;
    var match;
    while ((match = pattern.exec(html)) !== null) {
      var text = plainText(match[2] || match[3] || match[4] || "");
      // A field's message names its field, as its form does beside it: on the pending list
      // "this field" ("mục này") said nothing of which.
      var label = match[1] && fieldLabel(html, match[1]);
      if (text && label) text = label + ": " + text;
      if (text && found.indexOf(text) < 0) found.push(text);
    }
    return found.join(" ");
  }

  // The label of the answer's field ``name`` (templates/_macros.html: label for="f-name").
  function fieldLabel(html, name) {
    var escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    var found = new RegExp('<label for="f-' + escaped + '">([\\s\\S]*?)</label>').exec(html);
    return found ? plainText(found[1]).replace(/\s*\*$/, "") : "";
  }

  // What an edit form's answer says it showed (its hidden "shown." fields, web/forms.py):
  // after a conflict, the value someone else saved meanwhile, which its message named.
  var SHOWN = /<input type="hidden" name="(shown\.[^"]+)" value="([^"]*)">/g;

  function shownIn(html) {
    var seen = {};
    var match;
    while ((match = SHOWN.exec(html)) !== null) seen[match[1]] = plainText(match[2]);
    return seen;
  }

  // ``fields`` with what the answer said was shown: the item, opened again to be fixed and
  // saved, is judged against the values its conflict named (or it was refused for ever).
  function withSeen(fields, seen) {
    var names = Object.keys(seen || {});
    if (!names.length) return fields;
    return fields.filter(function (field) { return !(field[0] in seen); })
      .concat(names.map(function (name) { return [name, seen[name]]; }));
  }

  function plainText(html) {
    return html.replace(/<[^>]+>/g, "").replace(/&#34;|&quot;/g, "\"").replace(/&#39;/g, "'")
      .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&").trim();
  }

  // A re-check accepted with a warning verdict (a QR that is not the stall's account, an old
  // account, a revoked poster, a payment code nobody can vouch for: templates/_recheck.html
  // marks them data-warning). Sent from the outbox, the volunteer may be three stalls further
  // on, so it stays on the list as a warning until seen.
  var CONFIRM_PHONE = /<input[^>]*\sname="confirm_phone"/;
  var WARNING = /<div class="recheck-result[^"]*"[^>]*\sdata-warning[\s>][^>]*>\s*<strong>([\s\S]*?)<\/strong>/;

  var api = {
    // Pages a volunteer needs without a signal: the markets and their stall lists (and the
    // list as JSON), the registration forms, stall pages and their event forms, the pending list.
    PAGES: /^\/(?:$|m\/(?:[^/]+\/(?:$|stalls\/new$|stalls\.json$))?$|stalls\/\d+(?:$|\/(?:register|edit|account|events\/[a-z_]+)$)|outbox$)/,
    // Forms whose write can wait in the outbox: registration (1: market), census registration,
    // edit, account change and every onboarding event (2: stall id, 3: which, 4: event kind).
    OUTBOX_FORMS: /^\/(?:m\/([^/]+)\/stalls\/new|stalls\/(\d+)\/(register|edit|account|events\/([a-z_]+)))$/,
    // The service worker's cache of those pages; logging out deletes it (the shell stays:
    // it holds nobody's data).
    PAGES_CACHE: "mo-pages",
    // The path the app is served under: "" at the root, "/cho" behind a proxy that adds a
    // prefix (X-Forwarded-Prefix). Pages read it from <body data-root>, the worker from its
    // scope. PAGES and OUTBOX_FORMS match paths within the app, after it.
    root: "",
    // A URL's path within the app ("/m/x/" for "/cho/m/x/"), or null for one outside it.
    appPath: function (pathname) {
      var root = api.root;
      if (!root) return pathname;
      if (pathname !== root && pathname.indexOf(root + "/") !== 0) return null;
      return pathname.slice(root.length) || "/";
    },
    isPage: function (pathname) {
      var path = api.appPath(pathname);
      return path !== null && api.PAGES.test(path);
    },
    // The OUTBOX_FORMS match of a form's path (market, stall id, which, event kind), or null.
    outboxForm: function (pathname) {
      var path = api.appPath(pathname);
      return path === null ? null : api.OUTBOX_FORMS.exec(path);
    },
    // The pending list, as a form saved on the phone lands on it: "saved" said, and the form
    // named (its path) for the ways on from there (offline.js: nextSteps).
    queuedUrl: function (outboxUrl, formUrl) {
      return outboxUrl + "?queued=1&form=" + encodeURIComponent(new URL(formUrl).pathname);
    },
    uuid: uuid,
    rejectionMessages: rejectionMessages,

    // Who is signed in on the server, with the session's CSRF token, as {user, token}; or,
    // as a send's outcome, why that cannot be known: {kind: "login" | "server" | "offline"}.
    // ``links``: the app's login and pending-list URLs.
    signedIn: function (links) {
      return root.fetch(links.outbox + "/session", {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (new URL(response.url).pathname === links.login) return { kind: "login", message: "login" };
        if (!response.ok) return { kind: "server", message: "HTTP " + response.status };
        return response.json().then(function (answer) {
          return { user: answer.user, token: answer.csrf_token };
        });
      }, function () {
        return { kind: "offline", message: "offline" };
      });
    },

    currentUser: function () {
      return db().then(function (d) { return d.get("meta", "session"); })
        .then(function (row) { return row ? row.user : null; });
    },

    setCurrentUser: function (user) {
      return db().then(function (d) { return d.put("meta", { key: "session", user: user }); });
    },

    // item: {user, url, fields: [[name, value]…], files: [[name, Blob, file name]…] (photos,
    // optional: IndexedDB keeps Blobs), clientId, formUrl}
    add: function (item) {
      item.created = new Date().toISOString();
      item.status = "pending";
      item.error = null;
      return db().then(function (d) {
        var tx = d.transaction(["outbox", "used"], "readwrite");
        tx.objectStore("used").put({ clientId: item.clientId, user: item.user });
        var added = tx.objectStore("outbox").add(item);
        return tx.done.then(function () { changed(); return added; });
      });
    },

    get: function (id) { return db().then(function (d) { return d.get("outbox", id); }); },

    // A form sent with a signal whose client id is one of the user's items (a refused one
    // fixed, or the server's answer to it asking for a confirmation): the item takes what the
    // form now holds and waits again, its photos kept if the form has none. It leaves the
    // phone only when the server acknowledges it (``drain``; a write already taken is
    // answered as taken), never because the form went: an answer the volunteer walked away
    // from would have lost it.
    requeue: function (item, fields, files) {
      // A send of the item before this may still be on its way: its answer must not
      // overwrite this version (``settle``).
      item.rev = (item.rev || 0) + 1;
      item.fields = fields;
      if (files && files.length) item.files = files;
      item.status = "pending";
      item.error = null;
      return db().then(function (d) { return d.put("outbox", item); }).then(changed);
    },

    // The user's item sent with ``clientId``, or null.
    withClientId: function (user, clientId) {
      return api.list(user).then(function (items) {
        return items.find(function (item) { return item.clientId === clientId; }) || null;
      });
    },

    list: function (user) {
      return db().then(function (d) { return d.getAllFromIndex("outbox", "user", user); })
        .then(function (items) { return items.sort(function (a, b) { return a.id - b.id; }); });
    },

    remove: function (id) {
      return db().then(function (d) { return d.delete("outbox", id); }).then(changed);
    },

    markUsed: function (clientId, user) {
      return db().then(function (d) { return d.put("used", { clientId: clientId, user: user }); });
    },

    isUsed: function (clientId) {
      return db().then(function (d) { return d.get("used", clientId); })
        .then(function (row) { return !!row; });
    },

    // ``tag``: the list's ETag as the server sent it, to ask next time whether it changed.
    saveStalls: function (user, market, stalls, tag) {
      return db().then(function (d) {
        return d.put("stalls", { user: user, market: market, stalls: stalls, tag: tag || null,
                                 saved: new Date().toISOString() });
      });
    },

    stallsTag: function (user, market) {
      return db().then(function (d) { return d.get("stalls", [user, market]); })
        .then(function (row) { return row ? row.tag || null : null; });
    },

    stalls: function (user, market) {
      return db().then(function (d) { return d.get("stalls", [user, market]); })
        .then(function (row) { return row ? row.stalls : []; });
    },

    // The stall ``id`` as the market lists kept for ``user`` have it, as {market, stall},
    // or null: what a stall page the phone never kept shows of it (offline.js).
    findStall: function (user, id) {
      return db().then(function (d) { return d.getAllFromIndex("stalls", "user", user); })
        .then(function (rows) {
          for (var r = 0; r < rows.length; r += 1) {
            var stall = rows[r].stalls.find(function (s) { return s.id === id; });
            if (stall) return { market: rows[r].market, stall: stall };
          }
          return null;
        });
    },

    allStalls: function (user) {
      return db().then(function (d) { return d.getAllFromIndex("stalls", "user", user); })
        .then(function (rows) {
          return rows.reduce(function (all, row) { return all.concat(row.stalls); }, []);
        });
    },

    // Logging out on a shared phone: nothing of this user stays on the device.
    clearUser: function (user) {
      return db().then(function (d) {
        var tx = d.transaction(["outbox", "used", "stalls", "meta"], "readwrite");
        ["outbox", "used", "stalls"].forEach(function (name) {
          var store = tx.objectStore(name);
          store.index("user").getAllKeys(user).then(function (keys) {
            keys.forEach(function (key) { store.delete(key); });
          });
        });
        tx.objectStore("meta").delete("session");
        return tx.done;
      }).then(changed);
    },

    // Send the user's pending items in order. Each is deleted only once the server has
    // acknowledged it (a 2xx, which is also what a replayed client_id answers), or kept as a
    // warning when that answer is a warning verdict; a 4xx keeps it, marked rejected with the
    // server's message; no connection, a 5xx or a session that is not this user's stops the
    // run. ``links``: the app's login and pending-list URLs.
    drain: function (user, links) {
      return exclusive(function () {
        return api.list(user).then(function (items) {
          var result = { sent: 0, rejected: 0, stopped: null };
          var pending = items.filter(function (item) { return item.status === "pending"; });
          var token = null;
          function sendWithToken(item) {
            var ready = token ? Promise.resolve({ token: token }) : session(user, links);
            return ready.then(function (current) {
              if (!current.token) return current;
              token = current.token;
              return send(item, links.login, token);
            });
          }
          return pending.reduce(function (previous, item) {
            return previous.then(function () {
              if (result.stopped) return;
              return sendWithToken(item).then(function (outcome) {
                if (outcome.status !== 400) return outcome;
                // A token refused (what a 400 is here) may be one that lost a race: a phone
                // just restarted sends its first requests with no session, and each of them
                // begins one of its own. The token is asked for again, once.
                token = null;
                return sendWithToken(item);
              }).then(function (outcome) {
                if (outcome.kind === "sent" && outcome.warning) {
                  // Acknowledged, so never sent again; kept, without its photo, to be seen.
                  result.sent += 1;
                  item.status = "warning";
                  item.error = outcome.warning;
                  item.files = [];
                  item.tried = new Date().toISOString();
                  return settle(item, function (store) { return store.put(item); });
                }
                if (outcome.kind === "sent") {
                  result.sent += 1;
                  return settle(item, function (store) { return store.delete(item.id); });
                }
                item.error = outcome.message;
                item.confirm = !!outcome.confirm;
                if (outcome.seen) item.fields = withSeen(item.fields, outcome.seen);
                item.status = outcome.kind === "rejected" ? "rejected" : "pending";
                item.tried = new Date().toISOString();
                if (outcome.kind === "rejected") result.rejected += 1;
                else result.stopped = outcome.kind;
                return settle(item, function (store) { return store.put(item); });
              });
            });
          }, Promise.resolve()).then(function () {
            // What the phone keeps of the markets, as the server now has them: the stall
            // list kept before still showed the steps just sent as not done.
            return result.sent ? refreshLists(user) : null;
          }).then(function () { changed(); return result; });
        });
      });
    }
  };

  // The answer to a send of ``item`` written on the phone (``write`` puts or deletes it), in
  // one transaction with a look at the item as stored: when it was fixed and sent again from
  // its form meanwhile (``requeue``), that newer version stays as it is, waiting, and goes in
  // the next run (answered as taken if the server took the older one). A refusal of the
  // older version arriving late once put it back over the volunteer's fix, confirmation and
  // all, and the stall, registered, stayed "refused" on the phone.
  function settle(item, write) {
    return db().then(function (d) {
      var tx = d.transaction("outbox", "readwrite");
      var done = tx.store.get(item.id).then(function (stored) {
        if (stored && (stored.rev || 0) === (item.rev || 0)) return write(tx.store);
      });
      return Promise.all([done, tx.done]);
    });
  }

  // A market's list page (any search or page of it), at its address within the app.
  var LIST_PAGE = /^\/m\/[^/]+\/$/;

  // Each market list kept for ``user`` fetched again where it changed (its ETag), and each
  // market's list page kept (what the phone shows without a signal before anything is
  // searched). A search's or page's copy is let go rather than fetched again, one request
  // each after every send: without a signal the worker answers it with the list page, and
  // offline.js searches the list kept, fetched again just here.
  function refreshLists(user) {
    var pages = !root.caches ? Promise.resolve() : root.caches.open(api.PAGES_CACHE)
      .then(function (cache) {
        return cache.keys().then(function (requests) {
          return Promise.all(requests.map(function (request) {
            var url = new URL(request.url);
            if (!LIST_PAGE.test(api.appPath(url.pathname) || "")) return null;
            return url.search ? cache.delete(request) : keepFresh(request.url);
          }));
        });
      }).catch(function () {});
    var lists = db().then(function (d) { return d.getAllFromIndex("stalls", "user", user); })
      .then(function (rows) {
        return Promise.all(rows.map(function (row) {
          var url = api.root + "/m/" + encodeURIComponent(row.market) + "/stalls.json";
          return root.fetch(url, {
            credentials: "same-origin", headers: row.tag ? { "If-None-Match": row.tag } : {}
          }).then(function (response) {
            if (!response.ok) return null;  // 304: the copy kept is the list
            return response.json().then(function (data) {
              return api.saveStalls(user, row.market, data.stalls, response.headers.get("ETag"));
            });
          }).catch(function () {});
        }));
      });
    return Promise.all([pages, lists]);
  }

  // The page a sent item was answered with (its stall's), kept again as the server now has
  // it: the copy kept before still showed the step as not done and offered it once more,
  // and a second print was recorded from it. Fetched afresh rather than the answer itself,
  // which says "saved" once and would say it again every time the copy was opened.
  function keepFresh(url) {
    var path = new URL(url).pathname;
    if (!root.caches || !api.isPage(path)) return Promise.resolve();
    return root.fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (fresh) {
        if (!fresh.ok || new URL(fresh.url).pathname !== path) return null;
        return root.caches.open(api.PAGES_CACHE).then(function (cache) {
          return cache.put(url, fresh);
        });
      }).catch(function () {});
  }

  // The signed-in session's CSRF token, as {token}, when the session is ``user``'s; else the
  // outcome that stops a run. Flask-WTF ties a token to its session: an item keeps the token
  // of the session it was saved in, which a phone restart or signing in again replaces.
  function session(user, links) {
    return api.signedIn(links).then(function (signedIn) {
      // Another volunteer's session on a shared phone: the item waits for its own.
      if (signedIn.kind || signedIn.user === user) return signedIn;
      return { kind: "login", message: "login" };
    });
  }

  function send(item, loginUrl, token) {
    // With a photo the form goes as multipart, as the page would have sent it.
    var body = item.files && item.files.length ? new root.FormData() : new URLSearchParams();
    item.fields.forEach(function (pair) {
      body.append(pair[0], pair[0] === "csrf_token" ? token : pair[1]);
    });
    (item.files || []).forEach(function (photo) { body.append(photo[0], photo[1], photo[2]); });
    return root.fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "follow",
      headers: { "Accept": "text/html" }
    }).then(function (response) {
      if (response.ok) {
        // A session that ended answers with the login page: not an acknowledgement.
        if (new URL(response.url).pathname === loginUrl) return { kind: "login", message: "login" };
        return response.text().then(function (html) {
          var warning = WARNING.exec(html);
          var outcome = warning ? { kind: "sent", warning: plainText(warning[1]) }
            : { kind: "sent" };
          return keepFresh(response.url).then(function () { return outcome; });
        });
      }
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        return response.text().then(function (html) {
          return { kind: "rejected", status: response.status,
                   message: rejectionMessages(html) || ("HTTP " + response.status),
                   // The server asks to confirm a phone another stall has: the form opened
                   // to fix the item offers the same box (offline.js fixItem).
                   confirm: CONFIRM_PHONE.test(html),
                   seen: shownIn(html) };
        });
      }
      return { kind: "server", message: "HTTP " + response.status };
    }, function () {
      return { kind: "offline", message: "offline" };
    });
  }

  root.MOOutbox = api;
})(self);
