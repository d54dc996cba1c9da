// Fetch every active patient by following links.next until a page has none.

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

const patients = [];
let body;
// --8<-- [start:lesson]
let url = `${BASE_URL}/patients`;
let page = 0;
while (url) {
  let response;
  let text;
  try {
    response = await fetch(url, { headers: HEADERS, signal: AbortSignal.timeout(10_000) });
    text = await response.text();
  } catch (error) {
    // No response at all: refused, timed out, bad certificate.
    console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  }
  if (response.status !== 200) {
    console.error(`Expected 200, got ${response.status}: ${text}`);
    process.exit(1);
  }
  body = JSON.parse(text);
  page += 1;
  patients.push(...body.patients);
  url = body.links.next; // absent on the last page, which ends the loop
  // --8<-- [end:lesson]
  console.log(`page ${page}: ${body.patients.length} patients, next: ${url || "(none)"}`);
}

console.log(`fetched ${patients.length} patients; total_entries says ${body.total_entries}`);
