// Read a patient, then ask again with If-Modified-Since set to the Last-Modified it gave.

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
const url = `${BASE_URL}/patients/1240000000000000001`; // use the ID of one of your own patients

// GET the patient; stop with a one-line reason unless the status is the one expected.
// Returns the response and its body, in bytes.
async function get(expected, headers = {}) {
  let response;
  let body;
  try {
    response = await fetch(url, { headers: { ...HEADERS, ...headers }, signal: AbortSignal.timeout(10_000) });
    body = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    // No response at all: refused, timed out, bad certificate.
    console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  }
  if (response.status !== expected) {
    console.error(`Expected ${expected}, got ${response.status}: ${body}`);
    process.exit(1);
  }
  return { response, body };
}

const first = await get(200);
console.log(`${first.response.status} ${first.response.statusText}, body: ${first.body.length} bytes`);
// --8<-- [start:lesson]
const lastModified = first.response.headers.get("Last-Modified");
// --8<-- [end:lesson]
console.log(`Last-Modified: ${lastModified}`);

console.log(`If-Modified-Since: ${lastModified}`);
// --8<-- [start:lesson]
const second = await get(304, { "If-Modified-Since": lastModified });
// --8<-- [end:lesson]
console.log(`${second.response.status} ${second.response.statusText}, body: ${second.body.length} bytes`);
