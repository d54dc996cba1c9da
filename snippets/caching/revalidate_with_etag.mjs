// Read a patient, then ask again with If-None-Match: the API responds with 304 and no body.

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

function show({ response, body }) {
  console.log(response.status, response.statusText);
  for (const name of ["ETag", "Last-Modified", "Cache-Control", "Vary", "Date"]) {
    console.log(`  ${name}: ${response.headers.get(name)}`);
  }
  console.log(`  body: ${body.length} bytes`);
}

const first = await get(200);
show(first);

// --8<-- [start:lesson]
const etag = first.response.headers.get("ETag");
if (etag === null) {
  console.error("The API sent no ETag: nothing to send in If-None-Match.");
  process.exit(1);
}
console.log(`again, with If-None-Match: ${etag}`);
const second = await get(304, { "If-None-Match": etag });
// --8<-- [end:lesson]
show(second);
