// Follow-up questions stand inside their parent's group with a written cue
// ("Om ja: …"), so the form works without this script. It only hides a
// follow-up while its parent's answer does not meet its condition; the
// server decides what is shown and required, and drops hidden answers.
(function () {
  "use strict";

  // The parent's answers as the conditions name them: "yes"/"no" for a
  // yes/no box, option ids for a choice.
  function answers(root, parent, kind) {
    if (kind === "yes-no") {
      var box = document.getElementById(parent);
      return [box && box.checked ? "yes" : "no"];
    }
    var found = [];
    root.querySelectorAll("input:checked").forEach(function (input) {
      if (input.type === "radio" && input.name === parent) {
        found.push(input.value);
      } else if (input.type === "checkbox" && input.name.indexOf(parent + "-") === 0) {
        found.push(input.name.slice(parent.length + 1));
      }
    });
    return found;
  }

  function update(root) {
    // Document order: a parent's wrapper is decided before its follow-ups'.
    root.querySelectorAll("[data-parent]").forEach(function (wrapper) {
      var outer = wrapper.parentElement.closest("[data-parent]");
      var wanted = (wrapper.getAttribute("data-show-when") || "").split(" ");
      var have = answers(root, wrapper.getAttribute("data-parent"), wrapper.getAttribute("data-kind"));
      var met = have.some(function (value) { return wanted.indexOf(value) >= 0; });
      wrapper.hidden = (outer && outer.hidden) || !met;
    });
  }

  document.querySelectorAll("[data-questions]").forEach(function (root) {
    update(root);
    root.addEventListener("change", function () { update(root); });
  });
})();
