/* Formula toolbar: copy LaTeX, MathML or a link, and show a citation.
 *
 * Every result block (.ce-formula) carries a .ce-tools toolbar whose data
 * attributes hold the LaTeX and the citation texts, written at build time
 * from the same data as formulas.json.  The citations say @@URL@@ where
 * the formula's address goes; this script puts in the page's own address.
 * No library and no network: clicks are handled once, on the document.
 */
(function () {
  "use strict";

  function formulaUrl(block) {
    return window.location.href.split("#")[0] + "#" + block.id;
  }

  function withUrl(text, block) {
    return text.split("@@URL@@").join(formulaUrl(block));
  }

  /* KaTeX's <math> element, with its <annotation> holding the TeX source. */
  function mathml(block) {
    var math = block.querySelector(".ce-math math");
    return math ? math.outerHTML : "";
  }

  /* navigator.clipboard needs a secure context (https or localhost); a
     page opened from disk falls back to a selected, off-screen textarea. */
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.left = "-9999px";
      document.body.appendChild(area);
      area.select();
      var done = document.execCommand("copy");
      document.body.removeChild(area);
      if (done) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  function say(tools, message) {
    var status = tools.querySelector(".ce-tool-status");
    if (status) { status.textContent = message; }
  }

  function toggleCitation(button, tools, block) {
    var panel = document.getElementById(button.getAttribute("aria-controls"));
    if (!panel) { return; }
    var open = button.getAttribute("aria-expanded") !== "true";
    if (open) {
      panel.querySelector(".ce-cite-text").textContent = withUrl(tools.getAttribute("data-citation"), block);
      panel.querySelector(".ce-cite-bibtex code").textContent = withUrl(tools.getAttribute("data-bibtex"), block);
    }
    panel.hidden = !open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".ce-tools button[data-action]") : null;
    if (!button) { return; }
    var tools = button.closest(".ce-tools");
    var block = button.closest(".ce-formula");
    var action = button.getAttribute("data-action");
    if (action === "cite") {
      toggleCitation(button, tools, block);
      return;
    }
    var texts = {
      latex: tools.getAttribute("data-latex"),
      mathml: mathml(block),
      link: formulaUrl(block)
    };
    var names = { latex: "LaTeX", mathml: "MathML", link: "Link" };
    copy(texts[action]).then(
      function () { say(tools, names[action] + " copied"); },
      function () { say(tools, "Copying was refused by the browser; select the text by hand"); }
    );
  });
})();
