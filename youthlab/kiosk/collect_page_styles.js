// Runs a webpack style-loader bundle (Voila's voila-style.js) against a stand-in
// `document` and prints, in order, the CSS of the <style> elements it leaves in <head>.
// Usage: node collect_page_styles.js <bundle.js> <the bundle's own URL folder, ending in />
// The stand-in knows only what style-loader does: anything else the bundle tries (another
// element, an attribute such as media, CSS set another way, a rule that cannot be joined
// with the others) ends this with one line on stderr and exit 2, and the kiosk keeps
// Voila's script (youthlab/kiosk/page_styles.py).
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const [bundlePath, folderUrl] = process.argv.slice(2);

const { failWith, strict: standIn } = require(path.join(__dirname, "stand_in.js"));

// The kiosk logs the line that starts with this (the reason), whatever else Node prints.
const fail = failWith("collect_page_styles: ");

// Only what style-loader reads or writes exists; any other property is an error ("styleSheet"
// is old IE's API: style-loader asks for it).
const strict = (target, what) => standIn(target, what, { absent: ["styleSheet"], fixed: true });

function textNode(text) {
  return strict({ nodeType: 3, nodeValue: String(text), parentNode: null }, "text");
}

function element(tagName, childTag) {
  const node = {
    tagName: tagName.toUpperCase(),
    nodeType: 1,
    childNodes: [],
    parentNode: null,
    get firstChild() { return this.childNodes[0] || null; },
    setAttribute(name, value) {
      if (name !== "nonce") throw new Error(`the bundle sets the attribute ${name}`);
    },
    removeAttribute() {},
    appendChild(child) {
      if (childTag === "#text" ? child.nodeType !== 3 : child.tagName !== childTag) {
        throw new Error(`the bundle adds a ${child.tagName || "text"} to a ${this.tagName}`);
      }
      this.childNodes.push(child);
      child.parentNode = this;
      return child;
    },
    removeChild(child) {
      this.childNodes = this.childNodes.filter((n) => n !== child);
      child.parentNode = null;
      return child;
    },
  };
  return strict(node, tagName);
}

const head = element("head", "STYLE");
const script = strict({ tagName: "SCRIPT", src: folderUrl + "voila-style.js" }, "script");
const document = strict({
  baseURI: folderUrl,
  head,
  currentScript: script,
  createElement: (tag) => {
    if (String(tag).toLowerCase() !== "style") throw new Error(`the bundle creates a <${tag}>`);
    return element("style", "#text");
  },
  createTextNode: textNode,
  querySelector: (selector) => {
    if (selector !== "head") throw new Error(`the bundle looks for ${selector}`);
    return head;
  },
  getElementsByTagName: (name) => (name === "script" ? [script] : []),
}, "document");
const sandbox = { document, URL, location: { href: folderUrl } };
sandbox.self = sandbox.window = sandbox;

// One sheet of many: joined with the others it must mean what it meant alone.
function checkSheet(css, n) {
  if (/@(import|charset|namespace)\b/i.test(css)) throw new Error(`style ${n} has a rule that must come first`);
  // Comments and strings out in one pass (a string may hold "/*", a comment a quote).
  const bare = css.replace(/\/\*[\s\S]*?\*\/|"(?:[^"\\\n]|\\[\s\S])*"|'(?:[^'\\\n]|\\[\s\S])*'/g, "");
  if (bare.includes("/*")) throw new Error(`style ${n} leaves a comment open`);
  let depth = 0;
  for (const ch of bare) {
    depth += ch === "{" ? 1 : ch === "}" ? -1 : 0;
    if (depth < 0) break;
  }
  if (depth !== 0) throw new Error(`style ${n} leaves a block open`);
  const tail = bare.trim();
  if (tail && !/[};]$/.test(tail)) throw new Error(`style ${n} ends inside a rule`); // it would join the next
}

const sheetsNow = () => head.childNodes.map((style) => style.childNodes.map((n) => n.nodeValue).join(""));
let sheets = [];
try {
  vm.runInNewContext(fs.readFileSync(bundlePath, "utf8"), sandbox, { filename: bundlePath });
  sheets = sheetsNow();
} catch (err) {
  fail(err && err.message ? err.message : err);
}
// A style added later would land at the end of the page's head, not in the script's place.
setImmediate(() => {
  if (JSON.stringify(sheetsNow()) !== JSON.stringify(sheets)) fail("the bundle changes its styles after it ran");
  const kept = sheets.filter((css) => css.trim());
  if (kept.length === 0) fail("the bundle inserted no <style> element");
  try {
    kept.forEach(checkSheet);
  } catch (err) {
    fail(err.message);
  }
  process.stdout.write(kept.join("\n"));
});
