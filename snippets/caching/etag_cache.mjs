// A small cache for GET: keep each response with its ETag, and reuse it when the API says 304.

import { isDeepStrictEqual } from "node:util";

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}

const HEADERS = {
  // The key is the username; the password stays empty.
  Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
  Accept: "application/json",
  "User-Agent": "Practice Sync (dev@example.com)",
};

const cache = new Map(); // URL -> { etag, body }; one cache per API key, since responses vary by key

async function cachedGet(url) {
  const headers = { ...HEADERS };
  // --8<-- [start:lesson]
  if (cache.has(url)) {
    headers["If-None-Match"] = cache.get(url).etag;
  }
  // --8<-- [end:lesson]
  let response;
  let body;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
    body = Buffer.from(await response.arrayBuffer()); // the bytes, as the cache keeps them
  } catch (error) {
    // No response at all: refused, timed out, bad certificate.
    console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  }
  // --8<-- [start:lesson]
  if (response.status === 304) {
    console.log(`304 Not Modified: ${cache.get(url).body.length} bytes from the cache`);
    return JSON.parse(cache.get(url).body.toString());
  }
  // --8<-- [end:lesson]
  if (response.status !== 200) {
    console.error(`Expected 200 or 304, got ${response.status}: ${body}`);
    process.exit(1);
  }
  // --8<-- [start:lesson]
  if (response.headers.has("ETag")) {
    cache.set(url, { etag: response.headers.get("ETag"), body });
  }
  // --8<-- [end:lesson]
  console.log(
    `${response.status} ${response.statusText}: ${body.length} bytes from the API, ` +
      `ETag: ${response.headers.get("ETag")}`,
  );
  return JSON.parse(body.toString());
}

const url = `${BASE_URL}/patients?per_page=100`;
const first = await cachedGet(url);
const second = await cachedGet(url);
console.log(`same ${second.patients.length} patients both times: ${isDeepStrictEqual(first, second) ? "yes" : "no"}`);
