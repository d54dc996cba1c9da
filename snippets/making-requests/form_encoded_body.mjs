// A body sent as a form instead of JSON: refused with 415, and nothing is created.

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}

// The mistake: a URLSearchParams body is sent form-encoded; JSON.stringify() with a
// "Content-Type": "application/json" header would send JSON.
const request = new Request(`${BASE_URL}/patients`, {
  method: "POST",
  headers: {
    // The key is the username; the password stays empty.
    Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
    Accept: "application/json",
    "User-Agent": "Practice Sync (dev@example.com)",
  },
  // --8<-- [start:lesson]
  body: new URLSearchParams({ first_name: "Jordan", last_name: "Ellis" }),
  // --8<-- [end:lesson]
  signal: AbortSignal.timeout(10_000),
});
let response;
let body;
try {
  response = await fetch(request);
  body = await response.text();
} catch (error) {
  // No response at all: refused, timed out, bad certificate.
  console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
  process.exit(1);
}
console.log("Content-Type sent:", request.headers.get("Content-Type"));
console.log(response.status, response.statusText);
if (response.status !== 415) {
  console.error(`Expected 415, got ${response.status}: ${body}`);
  process.exit(1);
}
console.log(JSON.stringify(JSON.parse(body), null, 2));
