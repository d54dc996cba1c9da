// Send a GET again after a 5xx or a 429, waiting as long as Retry-After says, a bounded number of times.

import { setTimeout as sleep } from "node:timers/promises";

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
const MAX_ATTEMPTS = 4;
const MAX_WAIT = 30; // seconds: the longest wait for one retry; a longer Retry-After means giving up

const HEADERS = {
  // The key is the username; the password stays empty.
  Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
  Accept: "application/json",
  "User-Agent": "Practice Sync (dev@example.com)",
};

// The error's message; a proxy in between may send HTML or nothing, so fall back on the reason.
function message(response, body) {
  try {
    return JSON.parse(body).message ?? response.statusText;
  } catch {
    return response.statusText;
  }
}

// --8<-- [start:lesson]
// No advice from the server: wait exponentially longer each time, with random jitter.
function backoff(attempt) {
  return Math.random() * Math.min(2 ** attempt, MAX_WAIT);
}
// --8<-- [end:lesson]

// GET is safe to repeat; do not use this for a POST that creates a record.
// Returns the last response and its body.
async function getWithRetries(url) {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    let response;
    let body;
    const signal = AbortSignal.timeout(10_000);
    try {
      response = await fetch(url, { headers: HEADERS, signal });
      body = await response.text();
    } catch (error) {
      // --8<-- [start:lesson]
      // Ask the signal, not the error's name: Node.js 18's first releases name this error AbortError.
      if (signal.aborted) {
        // No response in time: the fault may pass, like a 5xx.
        console.log(`attempt ${attempt}: timed out`);
        if (attempt === MAX_ATTEMPTS) {
          console.error(`No response from the API after ${attempt} attempts: ${error.message}`);
          process.exit(1);
        }
        await sleep(backoff(attempt) * 1000);
        continue;
      }
      // --8<-- [end:lesson]
      // Refused, bad certificate: retrying will not help.
      console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
      process.exit(1);
    }
    console.log(`attempt ${attempt}: ${response.status} ${response.statusText}`);
    if (!RETRY_STATUSES.has(response.status) || attempt === MAX_ATTEMPTS) {
      return { response, body };
    }
    // --8<-- [start:lesson]
    const retryAfter = response.headers.get("Retry-After") ?? "";
    if (/^\d+$/.test(retryAfter) && Number(retryAfter) > MAX_WAIT) {
      return { response, body }; // asked to wait longer than we allow: give up rather than retry early
    }
    const wait = /^\d+$/.test(retryAfter) ? Number(retryAfter) : backoff(attempt);
    console.log(`  ${message(response, body)}`);
    // Six significant digits at most, so that a computed wait prints as 0.75, not 0.7500000000000001.
    console.log(`  Retry-After: ${retryAfter || "(none)"}; waiting ${Number(wait.toPrecision(6))} s`);
    await sleep(wait * 1000);
    // --8<-- [end:lesson]
  }
}

const { response, body } = await getWithRetries(`${BASE_URL}/user`);
if (response.status !== 200) {
  console.error(`Gave up: ${response.status} ${message(response, body)}`);
  process.exit(1);
}
const user = JSON.parse(body);
console.log(`signed in as ${user.first_name} ${user.last_name}`);
