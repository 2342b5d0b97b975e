// Runs Voila's page script (voila.js: a webpack runtime and its entry) against a stand-in
// `document` and prints, as a JSON list in request order, the chunk files it asks for
// before any of them has run: the chunks every page of this Voila build loads at start.
// Usage: node collect_page_scripts.js <voila.js>
// The stand-in knows only what webpack's script loader does: anything else the script
// tries ends this with one line on stderr and exit 2, and the kiosk's pages load the
// chunks one by one as Voila's do (youthlab/kiosk/page_scripts.py).
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const [bundlePath] = process.argv.slice(2);

const { failWith, strict } = require(path.join(__dirname, "stand_in.js"));

// The kiosk logs the line that starts with this (the reason), whatever else Node prints.
const fail = failWith("collect_page_scripts: ");
// Where the stand-in page says its static files are; every chunk must come from there.
const STATIC = "http://youthlab.invalid/static";

const scripts = [];
function scriptElement() {
  const attributes = {};
  return strict({
    tagName: "SCRIPT", charset: "", timeout: 0, src: "", onload: null, onerror: null, parentNode: null,
    setAttribute(name, value) {
      // what webpack's loader sets: its own mark, and a CSP nonce when the page has one
      if (name !== "data-webpack" && name !== "nonce") throw new Error(`the script sets the attribute ${name}`);
      attributes[name] = String(value);
    },
    getAttribute(name) { return name === "src" ? this.src : (attributes[name] ?? null); },
  }, "script", { fixed: true });
}
const head = strict({
  appendChild(child) {
    if (child.tagName !== "SCRIPT") throw new Error(`the script adds a ${child.tagName} to the head`);
    child.parentNode = head;
    scripts.push(child);
    return child;
  },
  removeChild(child) {
    child.parentNode = null;
    return child;
  },
}, "head", { fixed: true });
const configData = strict({ textContent: JSON.stringify({ fullStaticUrl: STATIC }) }, "config data", { fixed: true });
// The script's own element: webpack's automatic public path reads its src.
const currentScript = scriptElement();
currentScript.src = STATIC + "/voila.js";
const document = strict({
  head,
  currentScript,
  createElement: (tag) => {
    if (String(tag).toLowerCase() !== "script") throw new Error(`the script creates a <${tag}>`);
    return scriptElement();
  },
  getElementsByTagName: (name) => (String(name).toLowerCase() === "script" ? scripts.slice() : []),
  getElementById: (id) => (id === "jupyter-config-data" ? configData : null),
}, "document", { fixed: true });
// Timers never fire: no chunk ever loads, so nothing but the runtime and its entry runs.
const sandbox = { document, setTimeout: () => 0, clearTimeout: () => {} };
sandbox.self = sandbox.window = sandbox;

try {
  vm.runInNewContext(fs.readFileSync(bundlePath, "utf8"), sandbox, { filename: bundlePath });
} catch (err) {
  fail(err && err.message ? err.message : err);
}

// The kiosk runs each chunk inside a function of its own (so it keeps its own "use strict"):
// that means the same only for a chunk that does nothing but hand its modules to the
// runtime, so each must be one push of [ids, modules] (no runtime part) and nothing else:
// no global of its own (a var, a function, a write to the global object), no declaration
// in the page's shared scope (let, const, class: a second run of the chunk in the same
// scope would fail), no use of `arguments` (inside a function it would mean the function's).
function checkChunk(name) {
  const file = path.join(path.dirname(bundlePath), name);
  if (name === path.basename(bundlePath)) fail("the page script asks for itself");
  if (!/^[\w][\w.-]*\.js$/.test(name) || !fs.existsSync(file)) fail(`a chunk that is not beside voila.js: ${name.slice(0, 80)}`);
  const globals = {};
  const chunkSelf = new Proxy(globals, {
    get: (obj, key) => (typeof key === "string" && key.startsWith("webpackChunk") ? obj[key] : undefined),
    set: (obj, key, value) => {
      const fresh = Array.isArray(value) && (value.length === 0 || value === obj[key]);
      if (typeof key !== "string" || !key.startsWith("webpackChunk") || !fresh) {
        throw new Error(`sets self.${String(key)}`);
      }
      obj[key] = value;
      return true;
    },
  });
  const context = { self: chunkSelf };
  Object.defineProperty(context, "arguments", { get() { throw new Error("reads arguments"); } });
  const before = Object.keys(context).length;
  try {
    const script = new vm.Script(fs.readFileSync(file, "utf8"), { filename: file });
    vm.createContext(context);
    script.runInContext(context, { timeout: 5000 });
    script.runInContext(context, { timeout: 5000 }); // a let/const/class of its own fails here
  } catch (err) {
    fail(`chunk ${name} does more than hand over its modules (${err && err.message ? err.message : err})`);
  }
  const lists = Object.values(globals);
  const pushed = lists.length === 1 ? lists[0] : [];
  const [item] = pushed;
  if (pushed.length !== 2 || !Array.isArray(item) || item.length !== 2 || !Array.isArray(item[0])
      || typeof item[1] !== "object" || item[1] === null || Object.keys(context).length !== before) {
    fail(`chunk ${name} does more than hand over its modules`);
  }
}

// Requests made in promise callbacks come in later turns: wait until a turn adds none.
let seen = -1;
function settle(rounds) {
  if (rounds === 0) fail("the script kept asking for chunks");
  if (scripts.length === seen) {
    const names = scripts.map((element) => element.src);
    for (const src of names) {
      if (!src.startsWith(STATIC + "/") || src.slice(STATIC.length + 1).includes("/")) {
        fail(`a chunk from elsewhere: ${src.slice(0, 80)}`);
      }
    }
    if (names.length === 0) fail("the script asked for no chunk");
    const files = names.map((src) => src.slice(STATIC.length + 1));
    files.forEach(checkChunk);
    process.stdout.write(JSON.stringify(files));
    return;
  }
  seen = scripts.length;
  setImmediate(() => settle(rounds - 1));
}
setImmediate(() => settle(100));
