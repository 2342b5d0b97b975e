// What the kiosk's Node harnesses share (collect_page_styles.js, collect_page_scripts.js):
// a one-line reason on stderr and exit 2 for any failure, and stand-in objects that know
// only the properties given (any other one read is an error: the script does more than
// the harness expects, and the kiosk keeps Voila's way; youthlab/kiosk/page_assets.py).
"use strict";

// Every failure, thrown or rejected, ends the harness with ``mark`` and one line of reason.
function failWith(mark) {
  const fail = (message) => {
    process.stderr.write(mark + String(message).split("\n")[0] + "\n");
    process.exit(2);
  };
  process.on("uncaughtException", (err) => fail(err && err.message ? err.message : err));
  process.on("unhandledRejection", (err) => fail(err && err.message ? err.message : err));
  return fail;
}

// ``target`` as a stand-in: reading a property it lacks throws (``absent`` ones read as
// undefined: what a script only asks about); with ``fixed``, so does setting one.
function strict(target, what, { absent = [], fixed = false } = {}) {
  return new Proxy(target, {
    get(obj, key) {
      if (key in obj || typeof key === "symbol") return obj[key];
      if (absent.includes(key)) return undefined;
      throw new Error(`the stand-in ${what} has no ${String(key)}`);
    },
    set(obj, key, value) {
      if (fixed && !(key in obj)) throw new Error(`the stand-in ${what} cannot set ${String(key)}`);
      obj[key] = value;
      return true;
    },
  });
}

module.exports = { failWith, strict };
