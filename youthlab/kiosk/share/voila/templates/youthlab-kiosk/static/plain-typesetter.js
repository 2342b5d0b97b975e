// YouthLab kiosk: the page's LaTeX typesetter when the kiosk shows math as plain text
// (KioskSettings.math = "plain", see youthlab/kiosk/typesetting.py).
//
// Voila's page registers JupyterLab's MathJax 2 typesetter when the page config names a
// MathJax URL; that typesetter loads this script the first time a widget asks for
// typesetting (every label and description does) and then drives MathJax 2's page API:
// Hub.Config, Register.StartupHook, Configured, Queue(["Typeset", Hub, element], …) and
// InputJax.TeX.resetEquationNumbers. Here that API leaves every text as written: no
// kiosk app shows formulas, and the page loads no MathJax (MathJax 3 is ~800 KB of
// scripts a page would otherwise evaluate while its kernel connects), nothing from
// elsewhere. Callbacks queued after a typeset still run, in order, as MathJax runs them.
(function () {
  "use strict";
  if (window.MathJax && window.MathJax.Hub) return; // a real MathJax is already on the page
  const startupHooks = [];
  let configured = false;

  // MathJax 2 callback specs: a function, [function, args…], or [method name, object, args…].
  function call(spec) {
    if (typeof spec === "function") return spec();
    if (!Array.isArray(spec) || spec.length === 0) return undefined;
    const [head, ...rest] = spec;
    if (typeof head === "function") return head(...rest);
    if (typeof head === "string" && rest.length && rest[0] && typeof rest[0][head] === "function") {
      return rest[0][head](...rest.slice(1));
    }
    return undefined;
  }

  const Hub = {
    config: {},
    Config(options) { Object.assign(Hub.config, options || {}); },
    Configured() {
      if (configured) return;
      configured = true;
      startupHooks.splice(0).forEach((hook) => call(hook));
    },
    Register: {
      StartupHook(name, hook) {
        if (configured) call(hook);
        else startupHooks.push(hook);
      },
    },
    // Text stays as written: nothing to typeset, nothing to load.
    Typeset(element, callback) { if (callback) call(callback); return element; },
    Queue(...specs) { specs.forEach((spec) => call(spec)); },
  };
  const Ajax = { Require(file, callback) { if (callback) call(callback); } };
  window.MathJax = {
    Hub,
    Ajax,
    InputJax: { TeX: { resetEquationNumbers() {} } },
    isReady: true,
  };
})();
