// On 429, wait as long as Retry-After says and send the request again (a few times at most).

import { setTimeout as sleep } from "node:timers/promises";

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}

const MAX_ATTEMPTS = 3;
const MAX_WAIT = 60; // seconds; a longer Retry-After means giving up now rather than waiting

const HEADERS = {
  // The key is the username; the password stays empty.
  Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
  Accept: "application/json",
  "User-Agent": "Practice Sync (dev@example.com)",
};

async function getWithinRateLimit(url) {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    let response;
    let body;
    try {
      response = await fetch(url, { headers: HEADERS, signal: AbortSignal.timeout(10_000) });
      body = await response.text();
    } catch (error) {
      // No response at all: refused, timed out, bad certificate.
      console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
      process.exit(1);
    }
    console.log(`${response.status} ${response.statusText}, Date: ${response.headers.get("Date")}`);
    // --8<-- [start:lesson]
    const retryAfter = response.headers.get("Retry-After") ?? "";
    if (response.status !== 429 || attempt === MAX_ATTEMPTS || !/^\d+$/.test(retryAfter)) {
      return { response, body };
    }
    const wait = Number(retryAfter);
    console.log(`  Retry-After: ${wait}, X-RateLimit-Reset: ${response.headers.get("X-RateLimit-Reset")}`);
    if (wait > MAX_WAIT) {
      return { response, body };
    }
    console.log(`  waiting ${wait} s`);
    await sleep(wait * 1000);
    // --8<-- [end:lesson]
  }
}

const { response, body } = await getWithinRateLimit(`${BASE_URL}/user`);
if (response.status !== 200) {
  console.error(`Expected 200, got ${response.status}: ${body}`);
  process.exit(1);
}
console.log(`signed in as ${JSON.parse(body).first_name}`);
