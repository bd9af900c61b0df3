// The service worker of the volunteer's pages (served as /sw.js with MO_CONFIG before this).
// Workbox and idb are the vendored copies: nothing is fetched from a CDN.
/* global workbox, MOOutbox */
(function () {
  "use strict";

  var config = self.MO_CONFIG;
  // modulePathCb rather than modulePathPrefix: the vendored files' URLs come from the app
  // (static URLs may carry a content hash), so each module gets its own.
  workbox.setConfig({
    debug: false,
    modulePathCb: function (name) { return config.workboxModules[name]; }
  });
  workbox.core.setCacheNameDetails({ prefix: "mo" });
  self.skipWaiting();
  workbox.core.clientsClaim();

  // The shell at the URLs the app gives its static files.
  workbox.precaching.precacheAndRoute(config.precache);
  workbox.precaching.cleanupOutdatedCaches();

  // The app's path prefix, if it has one: the worker's scope is where /sw.js is served.
  MOOutbox.root = new URL(self.registration.scope).pathname.replace(/\/$/, "");
  var PAGES_CACHE = MOOutbox.PAGES_CACHE;

  // A page answering a form says once what was done ("Đã đăng ký gian hàng D-24."): kept
  // with it, the copy said it again each time it was opened without a signal. Kept without
  // (base.html writes each message as one such paragraph).
  var FLASH = /<p class="flash flash-[a-z]+" role="status">[\s\S]*?<\/p>\s*/g;
  var withoutMessages = {
    cacheWillUpdate: function (args) {
      var response = args.response;
      if (!response || response.status !== 200) return Promise.resolve(null);
      if ((response.headers.get("Content-Type") || "").indexOf("text/html") !== 0) {
        return Promise.resolve(response);
      }
      return response.clone().text().then(function (html) {
        var kept = html.replace(FLASH, "");
        if (kept === html) return response;
        var headers = new Headers(response.headers);
        headers.delete("Content-Length");
        headers.delete("Content-Encoding");  // the text read is decoded already
        return new Response(kept, { status: 200, statusText: response.statusText,
                                    headers: headers });
      });
    }
  };

  var pages = new workbox.strategies.NetworkFirst({
    cacheName: PAGES_CACHE,
    // One bar of signal: after this the copy on the phone is better than a spinner.
    networkTimeoutSeconds: 6,
    plugins: [withoutMessages, new workbox.expiration.ExpirationPlugin({ maxEntries: 500 })]
  });

  // A stall's page or form (its address within the app).
  var STALL_PAGE = /^\/stalls\/\d+(?:$|\/)/;

  workbox.routing.registerRoute(function (options) {
    return options.url.origin === self.location.origin && MOOutbox.isPage(options.url.pathname);
  }, function (options) {
    return pages.handle(options).catch(function () {
      // A search or filter never opened before: the list without it (the page filters
      // its offline copy itself).
      var bare = new URL(options.url.href);
      bare.search = "";
      return caches.open(PAGES_CACHE).then(function (cache) {
        return cache.match(bare.href).then(function (found) {
          // A stall's page never opened with a signal (a census stall found in the list
          // kept on the phone): the page kept for it, at the stall's address, which shows
          // the stall from the phone's copy and registers a census stall (offline.js),
          // rather than the browser's "no internet" page.
          if (found || options.request.mode !== "navigate") return found;
          var path = MOOutbox.appPath(options.url.pathname);
          // The start page (the home screen icon, the brand) only sends a signed-in
          // volunteer on to their market, and is never kept: the market's list kept is.
          if (path === "/") return startPage(cache);
          if (!STALL_PAGE.test(path)) return found;
          return cache.match(config.standInUrl);
        });
      }).then(function (found) { return found || Response.error(); });
    });
  });

  // The market list kept where the start page would send its one market's volunteer, else
  // the list of markets, else any market's list: what "/" leads to, without a signal.
  var MARKET_PAGE = /^\/m\/[^/]+\/$/;
  function startPage(cache) {
    return cache.keys().then(function (requests) {
      var markets = requests.map(function (request) { return new URL(request.url); })
        .filter(function (url) {
          return !url.search && MARKET_PAGE.test(MOOutbox.appPath(url.pathname) || "");
        });
      var list = MOOutbox.root + "/m/";
      if (markets.length === 1) return cache.match(markets[0].href);
      return cache.match(new URL(list, self.location.origin).href).then(function (found) {
        return found || (markets.length ? cache.match(markets[0].href) : undefined);
      });
    });
  }

  // The language switch without a signal: the language cannot change, the page stays.
  workbox.routing.registerRoute(function (options) {
    return options.request.mode === "navigate" && options.url.origin === self.location.origin &&
      /^\/lang\/[a-z]+$/.test(MOOutbox.appPath(options.url.pathname) || "");
  }, function (options) {
    return fetch(options.request).catch(function (error) {
      var next = options.url.searchParams.get("next") || "";
      if (next.charAt(0) !== "/" || next.charAt(1) === "/") throw error;
      return Response.redirect(new URL(next, self.location.origin).href, 303);
    });
  });

  // A poster download without a signal (a PDF or PNG the phone does not keep): back to the
  // page the link was on, which says so (offline.js), rather than the browser's "no
  // internet" page that left the app.
  var POSTER = /^\/stalls\/\d+\/poster$/;
  workbox.routing.registerRoute(function (options) {
    return options.request.mode === "navigate" && options.url.origin === self.location.origin &&
      POSTER.test(MOOutbox.appPath(options.url.pathname) || "");
  }, function (options) {
    return fetch(options.request).catch(function (error) {
      var back = options.request.referrer && new URL(options.request.referrer);
      if (!back || back.origin !== self.location.origin) throw error;
      back.hash = "poster-offline";
      return Response.redirect(back.href, 303);
    });
  });

  // Other static files (fonts, images, a scanner's WebAssembly): from the phone when there.
  workbox.routing.registerRoute(function (options) {
    return options.url.origin === self.location.origin &&
      ["font", "style", "script", "image"].indexOf(options.request.destination) >= 0;
  }, new workbox.strategies.StaleWhileRevalidate({ cacheName: "mo-assets" }));

  // A form sent while the signal drops: if the request cannot reach the server, the write goes
  // into the outbox and the volunteer sees the pending list, instead of the browser's
  // "no internet" page. A photo goes with it (one the page could not scale, sent whole).
  workbox.routing.registerRoute(function (options) {
    return options.request.mode === "navigate" && options.url.origin === self.location.origin &&
      MOOutbox.outboxForm(options.url.pathname) !== null;
  }, function (options) {
    var request = options.request;
    var copy = request.clone();
    return fetch(request).catch(function (error) {
      return Promise.all([copy.formData(), MOOutbox.currentUser()]).then(function (found) {
        var form = found[0];
        var user = found[1];
        var fields = [];
        var files = [];
        form.forEach(function (value, name) {
          if (typeof value === "string" && name !== "device_time") fields.push([name, value]);
          else if (typeof value !== "string" && value.size) files.push([name, value, value.name]);
        });
        // When it was done, as offline.js's queue says it (the server dates the step by it).
        fields.push(["device_time", new Date().toISOString()]);
        if (!user) throw error;
        if (form.get("action") === "scan") {
          // A scan only reads: back to the form (the phone's copy, with the draft), where the
          // next scan fills bank and account on the phone.
          var back = new URL(request.url);
          back.hash = "scan-offline";
          return Response.redirect(back.href, 303);
        }
        if (form.get("action") === "carry") {
          // Only shows the census stall's form: the phone's copy, opened with the draft
          // offline.js carried into it.
          return Response.redirect(request.url, 303);
        }
        return MOOutbox.add({
          user: user, url: request.url, fields: fields, files: files,
          clientId: form.get("client_id") || MOOutbox.uuid(),
          formUrl: request.referrer || request.url
        }).then(function () {
          if (self.registration.sync) self.registration.sync.register("mo-outbox").catch(function () {});
          return Response.redirect(MOOutbox.queuedUrl(config.outboxUrl, request.url), 303);
        });
      });
    });
  }, "POST");

  // Background Sync: the browser wakes the worker when the connection returns, even with no
  // page of the app open.
  self.addEventListener("sync", function (event) {
    if (event.tag !== "mo-outbox") return;
    event.waitUntil(MOOutbox.currentUser().then(function (user) {
      if (!user) return null;
      return MOOutbox.drain(user, { login: config.loginUrl, outbox: config.outboxUrl }).then(function (result) {
        // Still no connection: let the browser try again later.
        if (result.stopped === "offline") throw new Error("offline");
      });
    }));
  });
})();
