// Keep a copy of the practice's patients in step: a full copy first, then only what changed.
//
// Two runs, with a change at the practice between them. The copy is a Map of patients by ID; a
// real program keeps it, and the mark, in its own store between runs.

import { setTimeout as sleep } from "node:timers/promises";

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}

const OVERLAP_MS = 5 * 60 * 1000; // read again at each run, for changes saved late (see the page)
const MAX_RETRIES = 3; // how many times a request is sent again after a 429

// A small client: it shows each request on a line of its own, as a log would; it waits out a 429 as
// Retry-After asks; and it reads a URL again with the ETag of its last copy (If-None-Match), so that an
// unchanged list comes back as 304 Not Modified, without its records.
const cache = new Map(); // URL -> { etag, text } of each GET answered 200

// Send one request and return its decoded body; stop with the status and the body if the API refuses.
async function send(method, url, body) {
  const cached = method === "GET" ? cache.get(url) : undefined;
  for (let retry = 0; ; retry++) {
    let response;
    let text;
    try {
      response = await fetch(url, {
        method,
        headers: {
          // The key is the username; the password stays empty.
          Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
          Accept: "application/json",
          "User-Agent": "Practice Sync (dev@example.com)",
          ...(cached && { "If-None-Match": cached.etag }),
          ...(body && { "Content-Type": "application/json" }),
        },
        body: body && JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      text = await response.text();
    } catch (error) {
      // No response at all: refused, timed out, bad certificate.
      console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
      process.exit(1);
    }
    const requestId = response.headers.get("X-Request-Id"); // the ID to quote to Cliniko's support
    const summary = `${method} ${url} -> ${response.status} ${response.statusText}` +
      (requestId ? ` (request ID ${requestId})` : "");
    if (response.status === 304 && cached) {
      console.log(`${summary}, served from the cache`);
      return JSON.parse(cached.text);
    }
    if (response.status === 429 && retry < MAX_RETRIES) {
      const retryAfter = response.headers.get("Retry-After") ?? "";
      const wait = /^\d+$/.test(retryAfter) ? Number(retryAfter) : 1;
      console.log(`${summary}; waiting ${wait} s before retry ${retry + 1} of ${MAX_RETRIES}`);
      await sleep(wait * 1000);
      continue;
    }
    console.log(summary);
    if (!response.ok) {
      console.error(`The API refused: ${response.status} ${response.statusText}: ${text}`);
      process.exit(1);
    }
    const etag = response.headers.get("ETag");
    if (method === "GET" && etag) {
      cache.set(url, { etag, text });
    }
    return JSON.parse(text);
  }
}

// Every record of a list: the first page with the query given, then each page that the last one's
// links.next names, which carries the query on.
async function listAll(path, query) {
  const records = [];
  for (let next = `${BASE_URL}/${path}?${query}`; next; ) {
    const page = await send("GET", next);
    records.push(...page.patients);
    next = page.links?.next;
  }
  return records;
}

// Fetch what changed since `mark` (everything when it is null) into `copy`; return the new mark.
async function sync(copy, mark, run) {
  // --8<-- [start:lesson]
  const changed = new URLSearchParams({ per_page: "100" });
  if (mark !== null) {
    const since = new Date(Date.parse(mark) - OVERLAP_MS).toISOString().replace(/\.\d+Z$/, "Z");
    changed.append("q[]", `updated_at:>${since}`);
    console.log(`${run}, what changed since ${since} (the mark, less the overlap):`);
  } else {
    console.log(`${run}, a full copy:`);
  }
  changed.append("sort", "updated_at");
  const active = await listAll("patients", changed);
  const archived = await listAll("patients/archived", changed);
  // Always the whole list: see the page.
  const deleted = await listAll("patients/deleted", new URLSearchParams({ per_page: "100" }));
  // --8<-- [end:lesson]
  console.log(`  fetched ${active.length} active, ${archived.length} archived and ${deleted.length} deleted patients`);
  for (const patient of [...active, ...archived]) {
    copy.set(patient.id, patient); // a changed record replaces its old copy
  }
  for (const patient of deleted) {
    copy.delete(patient.id);
  }
  // The newest updated_at seen; the times are all UTC, written alike, so the greatest string is the latest.
  const times = [...active, ...archived].map((patient) => patient.updated_at);
  const newest = [...times, ...(mark ? [mark] : [])].sort().at(-1) ?? null;
  console.log(`  the copy holds ${copy.size} patients; the mark is now ${newest}`);
  return newest;
}

const copy = new Map();
let mark = await sync(copy, null, "Run 1");

if (copy.size === 0) {
  console.error("The account has no patients; create one, then run this again.");
  process.exit(1);
}
// Meanwhile, someone at the practice corrects a patient's e-mail address (here, this example does).
// The IDs are strings, too large for a Number: compare them as BigInt.
const first = [...copy.keys()].reduce((a, b) => (BigInt(b) < BigInt(a) ? b : a));
await send("PUT", `${BASE_URL}/patients/${first}`, { email: "new.address@example.com" });
console.log(`Between the runs, the practice changed the e-mail address of patient ${first}.`);

mark = await sync(copy, mark, "Run 2");
