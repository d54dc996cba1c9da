// Runs JavaScript examples for the tests, each in a worker thread of this one Node.js process, as
// tests/support/example_runner.py runs Python examples in forks of one warm interpreter: a new `node`
// pays for its start, for trusting the mock's CA and for compiling fetch on every run, and the suite
// runs each example seven times.
//
// One job a line on stdin, as JSON: {path, cwd, env, out, err, timeoutMs, recorder}. The example runs
// as `node <path>` would run it: an ES module, in a worker of its own (its own globals, modules and
// `process.env`, which is `env`, and `process.argv` [node, path]), from `cwd`, with what it writes to
// stdout and stderr kept, byte for byte, in the files `out` and `err`. An error or a promise rejection
// that it leaves uncaught is written to `err` as Node.js writes it (the error with its stack, then the
// Node.js version), with exit status 1. With `recorder`, that file is loaded in the worker first
// (node_recording_sleep.cjs: its waits are written down, not waited). The reply, once the worker has
// ended, is one line: {"status": N}, the exit status as a process has it (0 to 255), or
// {"timedOut": true} when it ran longer than `timeoutMs` and was stopped, or {"error": why} when the
// job could not be run.
//
// Replies go to the file descriptor given as this program's one argument, not to stdout: a worker
// shares the process's file descriptors, and an example that wrote to descriptor 1 itself
// (`fs.writeSync(1, ...)`) would otherwise write into the replies. The runner points this process's
// own stdout and stderr at a file, and refuses a run that wrote there.
//
// Node.js reads NODE_EXTRA_CA_CERTS once, when it starts, for every worker: this process is started
// with the CA that the mocks of the test process share, and the runner sends it only the runs whose
// environment names that same CA (any other run gets a `node` of its own).
"use strict";

const { once } = require("node:events");
const fs = require("node:fs");
const readline = require("node:readline");
const { inspect } = require("node:util");
const { Worker } = require("node:worker_threads");

// The worker's first code: what the job asks to load first, then the example, as an ES module. An
// error the example leaves uncaught (an unhandled rejection becomes one) is written to stderr as
// `node <path>` writes it, the error with its stack and the Node.js version, and ends the run with
// status 1; it is written here, in the worker, where the error is still itself (what reaches the
// parent thread is a copy). An error at the top level of the module rejects the import, and so
// ends the same way.
const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
const { inspect } = require("node:util");
const { pathToFileURL } = require("node:url");
process.argv.splice(1, Infinity, workerData.path);
process.on("uncaughtException", (error) => {
  process.stderr.write(inspect(error) + "\\n\\nNode.js " + process.version + "\\n");
  process.exit(1);
});
if (workerData.recorder) require(workerData.recorder);
import(pathToFileURL(workerData.path).href);
`;

const REPLIES = Number(process.argv[2]);
if (!Number.isInteger(REPLIES) || REPLIES < 3) {
  process.stderr.write("usage: node node_worker_server.cjs REPLY_FD (an open file descriptor, 3 or above)\n");
  process.exit(2);
}

function reply(message) {
  fs.writeSync(REPLIES, `${JSON.stringify(message)}\n`);
}

function run(job) {
  return new Promise((resolve) => {
    const out = [];
    const err = [];
    let timedOut = false;
    process.chdir(job.cwd);
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      env: job.env,
      stdout: true,
      stderr: true,
      workerData: { path: job.path, recorder: job.recorder || null },
    });
    worker.stdout.on("data", (chunk) => out.push(chunk));
    worker.stderr.on("data", (chunk) => err.push(chunk));
    worker.on("error", (error) => {
      err.push(Buffer.from(`${inspect(error)}\n\nNode.js ${process.version}\n`));
    });
    const timer = setTimeout(() => {
      timedOut = true;
      worker.terminate();
    }, job.timeoutMs);
    // Done when the worker has ended and both of its streams have handed over all they held.
    // (`once` is not used for "exit": it would give up at the worker's "error", which comes first.)
    const exited = new Promise((ended) => worker.on("exit", ended));
    Promise.all([exited, once(worker.stdout, "end"), once(worker.stderr, "end")]).then(([status]) => {
      clearTimeout(timer);
      try {
        fs.writeFileSync(job.out, Buffer.concat(out));
        fs.writeFileSync(job.err, Buffer.concat(err));
      } catch (error) {
        resolve({ error: `could not keep what it printed: ${error.message}` });
        return;
      }
      // As the operating system keeps a process's exit status: process.exit(-1) ends `node` with 255.
      resolve(timedOut ? { timedOut: true } : { status: status & 0xff });
    });
  });
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let job;
    try {
      job = JSON.parse(line);
    } catch (error) {
      reply({ error: `not a job: ${error.message}` });
      continue;
    }
    try {
      reply(await run(job));
    } catch (error) {
      reply({ error: String(error && error.stack || error) });
    }
  }
}

main();
