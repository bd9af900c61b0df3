// Small progressive enhancements; every form works without this file.
(function () {
  "use strict";

  // The name NAPAS shows: uppercase ASCII, Đ/đ → D (NFD alone leaves Đ; Ð and Ɖ look the
  // same), spaces collapsed. Mirrors merchant_onboard.domain.text.fold_holder_name.
  function foldHolderName(text) {
    return text
      .replace(/[ĐđÐðƉɖ]/g, "D")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toUpperCase()
      .replace(/[^A-Z0-9 ]+/g, " ")
      .replace(/\s+/g, " ")
      .trim();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var owner = document.querySelector("[data-owner-name]");
    var holder = document.querySelector("[data-holder-name]");
    if (owner && holder) {
      // Suggest the holder name from the owner's name until the volunteer edits it by hand.
      var touched = holder.value !== "" && holder.value !== foldHolderName(owner.value);
      holder.addEventListener("input", function () {
        touched = holder.value !== "";
        holder.value = holder.value.toUpperCase();
      });
      // Typed by hand, the accents go when the field is left (not on each key: a Vietnamese
      // keyboard composes "â" from "aa" in the field itself), as the server will store it.
      holder.addEventListener("change", function () {
        holder.value = foldHolderName(holder.value);
      });
      owner.addEventListener("input", function () {
        if (!touched) holder.value = foldHolderName(owner.value);
      });
      if (!holder.value) holder.value = foldHolderName(owner.value);
    }

    // A field the server marked: once changed, its message no longer applies (a reason
    // chosen under "Chọn lý do từ chối.", a code typed again under "Mã … đã có"). Left, it
    // contradicted the choice beside it; the server judges the form again when it is sent.
    document.querySelectorAll("form .has-error").forEach(function (field) {
      function clear() {
        field.classList.remove("has-error");
        field.querySelectorAll("p.error:not(.note-needed)").forEach(function (p) { p.remove(); });
        field.querySelectorAll("[aria-invalid]").forEach(function (el) {
          el.removeAttribute("aria-invalid");
        });
        // What described the field still does (its hint), not the messages just removed.
        [field].concat(Array.prototype.slice.call(field.querySelectorAll("[aria-describedby]")))
          .forEach(function (el) {
            var ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
              return id && document.getElementById(id);
            });
            if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
            else el.removeAttribute("aria-describedby");
          });
        field.removeEventListener("input", clear);
        field.removeEventListener("change", clear);
      }
      field.addEventListener("input", clear);
      field.addEventListener("change", clear);
    });

    // A refusal for "Lý do khác" needs its note (the server says so too): said on the phone
    // before the form leaves it, so a refusal made offline is not refused later, when sent.
    document.querySelectorAll("fieldset[data-note-needed]").forEach(function (fieldset) {
      var form = fieldset.closest("form");
      var note = form && form.elements.namedItem("note");
      if (!note) return;
      form.addEventListener("submit", function (event) {
        var reason = form.elements.namedItem("reason");
        if (!reason || reason.value !== "other" || note.value.trim()) return;
        event.preventDefault();
        var error = form.querySelector(".note-needed") || document.createElement("p");
        error.className = "error note-needed";
        error.setAttribute("role", "alert");
        error.textContent = fieldset.dataset.noteNeeded;
        note.after(error);
        note.setAttribute("aria-invalid", "true");
        note.focus();
      });
      // Another reason, or a note typed: the message no longer applies.
      function clear() {
        var error = form.querySelector(".note-needed");
        if (!error) return;
        var reason = form.elements.namedItem("reason");
        if (reason.value === "other" && !note.value.trim()) return;
        error.remove();
        note.removeAttribute("aria-invalid");
      }
      fieldset.addEventListener("change", clear);
      note.addEventListener("input", clear);
    });

    // File pickers speak the page's language: the browser's own button and "No file chosen"
    // follow the phone's settings, often English. The native input stays in the form (and
    // is what works without this file); a button and the chosen file's name stand in for it.
    document.querySelectorAll("input[type=file][data-choose]").forEach(function (input) {
      var picker = document.createElement("span");
      var button = document.createElement("button");
      var name = document.createElement("span");
      picker.className = "file-pick";
      button.type = "button";
      button.className = "button secondary";
      button.textContent = input.dataset.choose;
      name.className = "file-name muted small";
      name.textContent = input.dataset.none;
      picker.appendChild(button);
      picker.appendChild(name);
      input.classList.add("file-native");
      input.tabIndex = -1;
      input.insertAdjacentElement("afterend", picker);
      button.addEventListener("click", function () { input.click(); });
      input.addEventListener("change", function () {
        name.textContent = input.files.length ? input.files[0].name : input.dataset.none;
      });
    });

    // A credential shown once (a reset's password or link) copied with one tap, to be pasted
    // into a message: retyped from the screen, a 70-character link goes wrong.
    if (navigator.clipboard && window.isSecureContext) {
      document.querySelectorAll("button[data-copy]").forEach(function (button) {
        var source = document.getElementById(button.dataset.copy);
        if (!source) return;
        button.hidden = false;
        button.addEventListener("click", function () {
          navigator.clipboard.writeText(source.textContent.trim()).then(function () {
            button.textContent = button.dataset.copied;
          }, function () {});
        });
      });
    }

    // A form submitted once stays submitted: a second tap on a slow network would only
    // replay the same client_id, but the disabled button tells the volunteer it is working.
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var button = event.submitter || form.querySelector("button[type=submit]");
        // Not when a later handler kept the form on the page (offline.js searching offline).
        if (button) {
          setTimeout(function () { if (!event.defaultPrevented) button.disabled = true; }, 0);
        }
      });
    });

    // The market's list as it was left in this tab (its search, filters and page): the
    // "‹ market" link of the pages opened from it leads back there, not to the whole market's
    // first page, so a volunteer working down a zone's census keeps their place. Read when
    // the list is left: a search made without a signal changes the address in place.
    var LIST_KEY = "mo-list:";
    try {
      if (document.getElementById("stall-list")) {
        window.addEventListener("pagehide", function () {
          sessionStorage.setItem(LIST_KEY + location.pathname, location.search);
        });
      }
      document.querySelectorAll(".crumbs a[href]").forEach(function (link) {
        var url = new URL(link.href);
        var search = !url.search && sessionStorage.getItem(LIST_KEY + url.pathname);
        if (search) link.href = url.pathname + search;
      });
    } catch (error) {
      // No sessionStorage (a locked-down browser): the links stay as the server wrote them.
    }

    // A refused save comes back at the page's top, and on a phone the field to fix may be
    // screens below: go to the first one (a screen reader reads its label and its error).
    var invalid = document.querySelector(
      "form input[aria-invalid=true], form select[aria-invalid=true], form textarea[aria-invalid=true]");
    if (invalid && !document.activeElement.matches("input, select, textarea")) invalid.focus();
  });
})();
