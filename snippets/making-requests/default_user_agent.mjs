// Without a User-Agent of its own, fetch sends node: refused with 400.
// (Older releases of Node.js send undici instead: refused all the same.)

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}

// The mistake: no "User-Agent" in headers, so the default of fetch is sent.
let response;
let body;
try {
  response = await fetch(`${BASE_URL}/user`, {
    // --8<-- [start:lesson]
    headers: {
      // The key is the username; the password stays empty.
      Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
      Accept: "application/json",
    },
    // --8<-- [end:lesson]
    signal: AbortSignal.timeout(10_000),
  });
  body = await response.text();
} catch (error) {
  // No response at all: refused, timed out, bad certificate.
  console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
  process.exit(1);
}
console.log(response.status, response.statusText);
if (response.status !== 400) {
  console.error(`Expected 400, got ${response.status}: ${body}`);
  process.exit(1);
}
console.log(JSON.stringify(JSON.parse(body), null, 2));
