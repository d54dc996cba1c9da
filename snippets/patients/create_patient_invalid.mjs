// A create that fails validation: 422, with one message per field.

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}

let response;
let body;
try {
  response = await fetch(`${BASE_URL}/patients`, {
    method: "POST",
    headers: {
      // The key is the username; the password stays empty.
      Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
      Accept: "application/json",
      "User-Agent": "Practice Sync (dev@example.com)",
      "Content-Type": "application/json",
    },
    // --8<-- [start:lesson]
    // No last_name, and a date of birth that is not YYYY-MM-DD.
    body: JSON.stringify({ first_name: "Jordan", date_of_birth: "23/04/1988" }),
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
if (response.status !== 422) {
  console.error(`Expected 422, got ${response.status}: ${body}`);
  process.exit(1);
}
console.log(JSON.stringify(JSON.parse(body), null, 2));
