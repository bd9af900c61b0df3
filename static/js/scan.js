// Reading QR codes on the phone and sending photos small. Every form works without this file:
// the photo is then uploaded whole and read by the server.
//
// - [data-scan] (scan-to-register, account change): the QR in the chosen photo, or in the
//   live camera picture, is read on the phone and only its text is sent (field qr_text); the
//   server parses and judges it as it would a photo. BarcodeDetector where the browser has
//   it, else the vendored barcode-detector polyfill (ZXing WebAssembly), loaded only then.
//   Without a signal the text fills bank and account right here (readTransfer); the server
//   judges it when the form is saved.
// - input[data-downscale] (re-check evidence, the public photo check): the photo is sent
//   scaled down (longest side 1600 px, JPEG) with a progress bar. Without a signal, or when
//   the send fails, a volunteer's form goes into the outbox with the scaled photo (offline.js,
//   through the "mo:queue" event); the public check needs the server and says so.
(function () {
  "use strict";

  var MAX_SIDE = 1600;
  // A 1600 px JPEG of a phone photo is 150–400 KB at 0.8; a weak link wants it under this.
  var TARGET_BYTES = 300 * 1024;
  var QUALITIES = [0.8, 0.65, 0.5];
  // Reading the camera picture: often enough to feel instant, rarely enough to spare a cheap CPU.
  var CAMERA_INTERVAL_MS = 250;

  var detecting = null;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("cannot load " + src)); };
      document.head.appendChild(script);
    });
  }

  // The browser's own detector when it reads QR codes, else the polyfill pointed at the app's
  // copy of its WebAssembly (by default it would fetch it from a CDN).
  function qrDetector(box) {
    if (detecting) return detecting;
    var native = "BarcodeDetector" in window
      ? window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        return formats.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
      }, function () { return null; })
      : Promise.resolve(null);
    detecting = native.then(function (detector) {
      if (detector) return detector;
      return loadScript(box.dataset.detector).then(function () {
        var api = window.BarcodeDetectionAPI;
        api.prepareZXingModule({
          overrides: {
            locateFile: function (path, prefix) {
              return path.endsWith(".wasm") ? box.dataset.wasm : prefix + path;
            }
          }
        });
        return new api.BarcodeDetector({ formats: ["qr_code"] });
      });
    });
    detecting.catch(function () { detecting = null; });
    return detecting;
  }

  // A bank transfer QR first (EMV payloads start 000201), else whatever code was found.
  function bestText(found) {
    var texts = found.map(function (code) { return code.rawValue; }).filter(Boolean);
    return texts.filter(function (t) { return t.indexOf("000201") === 0; })[0] || texts[0] || "";
  }

  // The NAPAS transfer in a QR's text, read without the server: the root TLVs, the CRC
  // (tag 63, CRC-16/CCITT-FALSE over everything before its value), and in tag 38 the NAPAS
  // GUID, the beneficiary (01: BIN in 00, account or card in 01) and the service (02). Only
  // to fill the form offline: domain/vietqr/parse.py judges the saved form, and explains
  // every other kind of code.
  function tlv(text) {
    var tags = {};
    for (var i = 0; i < text.length;) {
      var length = Number(text.substr(i + 2, 2));
      if (!/^\d{4}$/.test(text.substr(i, 4)) || i + 4 + length > text.length) return null;
      if (!(text.substr(i, 2) in tags)) tags[text.substr(i, 2)] = text.substr(i + 4, length);
      i += 4 + length;
    }
    return tags;
  }

  function crc16(text) {
    var crc = 0xffff;
    for (var i = 0; i < text.length; i++) {
      crc ^= text.charCodeAt(i) << 8;
      for (var bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1 ^ 0x1021) & 0xffff : crc << 1 & 0xffff;
    }
    return ("000" + crc.toString(16).toUpperCase()).slice(-4);
  }

  function readTransfer(text) {
    var tags = text.indexOf("0002") === 0 && tlv(text);
    if (!tags || !tags["63"] || crc16(text.slice(0, -4)) !== tags["63"].toUpperCase()) return null;
    var merchant = tags["38"] && tlv(tags["38"]);
    var beneficiary = merchant && merchant["00"] === "A000000727" && merchant["01"] && tlv(merchant["01"]);
    if (!beneficiary || !/^\d{6}$/.test(beneficiary["00"] || "") || !beneficiary["01"] ||
        ["QRIBFTTA", "QRIBFTTC"].indexOf(merchant["02"]) < 0) return null;
    return { bin: beneficiary["00"], account: beneficiary["01"], card: merchant["02"] === "QRIBFTTC" };
  }

  function setValue(input, value) {
    if (input.type === "checkbox") input.checked = value;
    else input.value = value;
    // The draft (offline.js) keeps what is filled like what is typed.
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // Without a signal: the bank (by BIN, from the page's own list) and the account, filled here.
  function fillHere(box, text) {
    var transfer = readTransfer(text);
    var form = box.closest("form");
    if (!transfer) return say(box, box.dataset.offlineNotTransfer);
    var option = Array.prototype.find.call(document.querySelectorAll("#bank-list option"), function (o) {
      return o.textContent.trim().indexOf(transfer.bin + " ") === 0;
    });
    setValue(form.querySelector("input[name=bank]"), option ? option.value : "");
    setValue(form.querySelector("input[name=account_number]"), transfer.account);
    setValue(form.querySelector("input[name=card]"), transfer.card);
    var input = box.querySelector("input[type=file]");
    input.value = "";
    input.dispatchEvent(new Event("change"));
    say(box, option ? box.dataset.offlineFilled : box.dataset.offlineBin.replace("{bin}", transfer.bin));
  }

  function scaled(bitmap, maxSide) {
    var ratio = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * ratio);
    canvas.height = Math.round(bitmap.height * ratio);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  // The QR text in a photo: read from a 1600 px copy first (a 12 MP photo takes seconds to
  // read whole, and a code filling part of the picture survives the scaling), whole if not.
  function readPhoto(box, file) {
    return Promise.all([qrDetector(box), createImageBitmap(file)]).then(function (got) {
      var detector = got[0];
      var bitmap = got[1];
      return detector.detect(scaled(bitmap, MAX_SIDE)).then(function (found) {
        var text = bestText(found);
        if (text || Math.max(bitmap.width, bitmap.height) <= MAX_SIDE) return text;
        return detector.detect(bitmap).then(bestText);
      });
    });
  }

  function say(box, text) {
    var status = box.querySelector(".scan-status");
    status.textContent = text;
    status.hidden = !text;
  }

  // Send the decoded text, not the photo: the same form post as the scan button's.
  function sendText(box, button, text) {
    box.querySelector("input[name=qr_text]").value = text;
    var input = box.querySelector("input[type=file]");
    input.value = "";
    input.dispatchEvent(new Event("change"));
    button.dataset.read = "1";
    button.disabled = false;
    button.form.requestSubmit(button);
  }

  function enhanceScan(box) {
    var input = box.querySelector("input[type=file]");
    var button = box.querySelector("button[value=scan]");
    // Back from a scan the signal dropped (sw.js): the phone believes it is online, but the
    // next scans are read here.
    if (location.hash === "#scan-offline") {
      box.dataset.local = "1";
      say(box, box.dataset.offlineUnsent);
      history.replaceState(null, "", location.pathname + location.search);
    }
    function local() { return !navigator.onLine || !!box.dataset.local; }

    // The scan button: read the chosen photo here; upload it only when that fails. Any other
    // button (save) has no use for the photo: it stays on the phone.
    document.addEventListener("submit", function (event) {
      if (event.target !== button.form || !input.files.length) return;
      if (event.submitter !== button) {
        input.value = "";
        return;
      }
      if (button.dataset.read) return;
      event.preventDefault();
      say(box, box.dataset.reading);
      readPhoto(box, input.files[0]).then(function (text) {
        if (!text) throw new Error("no QR");
        if (local()) return fillHere(box, text);
        return sendText(box, button, text);
      }).catch(function () {
        if (local()) {
          // Nobody to send the photo to: say so, and the fields can still be typed.
          say(box, box.dataset.offlineUnread);
          button.disabled = false;
          return;
        }
        say(box, box.dataset.unread);
        button.dataset.read = "1";
        button.disabled = false;
        button.form.requestSubmit(button);
      });
    }, true);

    if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) return;
    var camera = document.createElement("button");
    camera.type = "button";
    camera.className = "button secondary";
    camera.textContent = box.dataset.camera;
    button.insertAdjacentElement("afterend", camera);
    var video = null;
    var stream = null;

    function stop() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      if (video) video.remove();
      stream = video = null;
      camera.textContent = box.dataset.camera;
    }

    camera.addEventListener("click", function () {
      if (stream) return stop();
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (got) {
          stream = got;
          video = document.createElement("video");
          video.className = "scan-video";
          video.muted = true;
          video.setAttribute("playsinline", "");
          video.srcObject = stream;
          camera.insertAdjacentElement("afterend", video);
          camera.textContent = box.dataset.stop;
          return Promise.all([qrDetector(box), video.play()]);
        })
        .then(function (got) {
          var detector = got[0];
          (function look() {
            if (!stream) return;
            detector.detect(video).then(function (found) {
              var text = bestText(found);
              if (text) {
                stop();
                sendText(box, button, text);
              } else {
                setTimeout(look, CAMERA_INTERVAL_MS);
              }
            }, function () { setTimeout(look, CAMERA_INTERVAL_MS); });
          })();
        })
        .catch(function () {
          // Refused, or no camera: the photo picker is still there.
          stop();
          camera.remove();
        });
    });
  }

  function toJpeg(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }

  // The photo at most MAX_SIDE px on its longest side, as a JPEG under TARGET_BYTES when the
  // qualities tried allow it. A photo already that small goes as it is.
  function shrink(file) {
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      if (Math.max(bitmap.width, bitmap.height) <= MAX_SIDE && file.size <= TARGET_BYTES) return file;
      var canvas = scaled(bitmap, MAX_SIDE);
      var index = 0;
      return (function next() {
        return toJpeg(canvas, QUALITIES[index]).then(function (blob) {
          index += 1;
          if (blob.size <= TARGET_BYTES || index >= QUALITIES.length) return blob;
          return next();
        });
      })();
    });
  }

  // The response replaces the page, as the plain form post would have: its URL too (after a
  // redirect), and the form's #fragment, scrolled to (a verdict shown where the eye is).
  function show(form, xhr) {
    var target = new URL(xhr.responseURL || form.action);
    if (!target.hash) target.hash = new URL(form.action).hash;
    document.open();
    document.write(xhr.responseText);
    document.close();
    history.replaceState(null, "", target.href);
    var anchor = target.hash && document.getElementById(target.hash.slice(1));
    if (anchor) {
      anchor.scrollIntoView();
      anchor.focus();
    }
  }

  function uploadSmall(form, submitter, input) {
    var progress = form.querySelector(".upload-progress");
    if (!progress) {
      progress = document.createElement("p");
      progress.className = "upload-progress small";
      progress.setAttribute("role", "status");
      progress.innerHTML = "<span></span> <progress max=\"100\" value=\"0\"></progress>";
      (submitter || form.lastElementChild).insertAdjacentElement("afterend", progress);
    }
    var bar = progress.querySelector("progress");
    var label = progress.querySelector("span");
    label.textContent = input.dataset.sending;
    bar.value = 0;
    if (submitter) submitter.disabled = true;
    return shrink(input.files[0]).then(function (photo) {
      var name = photo === input.files[0] ? photo.name : "photo.jpg";
      var data = new FormData(form);
      if (submitter && submitter.name) data.set(submitter.name, submitter.value);
      data.set(input.name, photo, name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) bar.value = Math.round(100 * event.loaded / event.total);
      });
      xhr.addEventListener("load", function () { show(form, xhr); });
      xhr.addEventListener("error", function () {
        if (form.dataset.outbox) {
          // The signal dropped on the way (perhaps after the server got it): into the outbox
          // with the same client_id, as the service worker does for a plain form.
          form.dispatchEvent(new CustomEvent("mo:queue", {
            detail: { submitter: submitter, photos: [[input.name, photo, name]], sent: true } }));
          return;
        }
        label.textContent = input.dataset.sendFailed;
        if (submitter) submitter.disabled = false;
      });
      xhr.send(data);
    });
  }

  // offline.js scales a photo the same way before keeping it in the outbox.
  window.MOPhoto = { shrink: shrink, MAX_SIDE: MAX_SIDE };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-scan]").forEach(enhanceScan);

    document.addEventListener("submit", function (event) {
      if (event.defaultPrevented) return;
      var form = event.target;
      var input = Array.prototype.find.call(form.querySelectorAll("input[type=file][data-downscale]"),
        function (field) { return field.files.length > 0; });
      if (!input || !window.createImageBitmap) return;
      // A volunteer's form without a signal: offline.js keeps it in the outbox.
      if (!navigator.onLine && form.dataset.outbox) return;
      event.preventDefault();
      var submitter = event.submitter;
      if (!navigator.onLine) {
        // The public photo check: the server reads the photo; nothing is kept for later.
        say(form, input.dataset.offline);
        return;
      }
      uploadSmall(form, submitter, input).catch(function () {
        // A photo the browser cannot open (HEIC on some phones): the plain post sends it,
        // with the button that was pressed (form.submit() alone would leave it out).
        if (submitter && submitter.name) {
          var pressed = document.createElement("input");
          pressed.type = "hidden";
          pressed.name = submitter.name;
          pressed.value = submitter.value;
          form.appendChild(pressed);
        }
        form.submit();
      });
    }, true);
  });
})();
