// Runs a webpack style-loader bundle (Voila's voila-style.js) against a stand-in
// `document` and prints, in order, the CSS of the <style> elements it inserts.
// Usage: node collect_page_styles.js <bundle.js> <the bundle's own URL folder, ending in />
// Anything the stand-in lacks makes the bundle throw: Node then exits non-zero and the
// kiosk keeps Voila's script (youthlab/kiosk/page_styles.py).
"use strict";
const fs = require("fs");
const vm = require("vm");

const [bundlePath, folderUrl] = process.argv.slice(2);
const inserted = [];

function element(tagName) {
  return {
    tagName: tagName.toUpperCase(),
    childNodes: [],
    attributes: {},
    get firstChild() { return this.childNodes[0] || null; },
    setAttribute(name, value) { this.attributes[name] = String(value); },
    removeAttribute(name) { delete this.attributes[name]; },
    appendChild(child) {
      this.childNodes.push(child);
      if (this.tagName === "HEAD" && child.tagName === "STYLE") inserted.push(child);
      return child;
    },
    removeChild(child) {
      this.childNodes = this.childNodes.filter((node) => node !== child);
      return child;
    },
  };
}

const head = element("head");
const script = Object.assign(element("script"), { src: folderUrl + "voila-style.js" });
const document = {
  baseURI: folderUrl,
  head,
  currentScript: script,
  createElement: element,
  createTextNode: (text) => ({ nodeValue: String(text) }),
  querySelector: (selector) => (selector === "head" ? head : null),
  getElementsByTagName: (name) => (name === "script" ? [script] : []),
};
const sandbox = { document, URL, location: { href: folderUrl } };
sandbox.self = sandbox.window = sandbox;
vm.runInNewContext(fs.readFileSync(bundlePath, "utf8"), sandbox, { filename: bundlePath });
if (inserted.length === 0) {
  process.stderr.write("the bundle inserted no <style> element\n");
  process.exit(3);
}
process.stdout.write(inserted.map((style) => style.childNodes.map((n) => n.nodeValue).join("")).join("\n"));
