// Small progressive enhancements; every form works without this file.
(function () {
  "use strict";

  // The name NAPAS shows: uppercase ASCII, Đ/đ → D (NFD alone leaves Đ), spaces collapsed.
  // Mirrors merchant_onboard.domain.text.fold_holder_name.
  function foldHolderName(text) {
    return text
      .replace(/[Đđ]/g, "D")
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
      owner.addEventListener("input", function () {
        if (!touched) holder.value = foldHolderName(owner.value);
      });
      if (!holder.value) holder.value = foldHolderName(owner.value);
    }

    // A form submitted once stays submitted: a second tap on a slow network would only
    // replay the same client_id, but the disabled button tells the volunteer it is working.
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var button = event.submitter || form.querySelector("button[type=submit]");
        if (button) {
          setTimeout(function () { button.disabled = true; }, 0);
        }
      });
    });
  });
})();
