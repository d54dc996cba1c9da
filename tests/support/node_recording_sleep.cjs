// Loaded with `node --require` before a JavaScript example whose waits the tests record, not wait
// (tests/support/example_runner.py, `run(record_waits=True)`). The examples wait with `setTimeout`
// from node:timers/promises; here it writes each wait, in seconds, on a line of the file named by
// CLINIKO_EXAMPLE_WAITS_FILE and resolves at once. The mock's clock stands still, so a wait changes
// nothing it answers. A delay the real function would refuse still goes to the real function.
"use strict";

const fs = require("node:fs");
const timers = require("node:timers/promises");
const { syncBuiltinESMExports } = require("node:module");

const waitsFile = process.env.CLINIKO_EXAMPLE_WAITS_FILE;
if (!waitsFile) {
  throw new Error("CLINIKO_EXAMPLE_WAITS_FILE is not set: say where the waits are to be written");
}
const realSetTimeout = timers.setTimeout;

timers.setTimeout = function setTimeout(delay, value, options) {
  if (typeof delay !== "number" || !Number.isFinite(delay) || delay < 0 || options?.signal?.aborted) {
    return realSetTimeout.call(this, delay, value, options);
  }
  fs.appendFileSync(waitsFile, `${delay / 1000}\n`);
  return Promise.resolve(value);
};
// An ES module's `import { setTimeout } from "node:timers/promises"` sees the change too.
syncBuiltinESMExports();
