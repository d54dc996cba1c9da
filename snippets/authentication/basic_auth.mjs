// Authenticate with HTTP Basic: the API key is the username, the password is empty.

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}

let response;
let body;
try {
  response = await fetch(`${BASE_URL}/user`, {
    headers: {
      // --8<-- [start:lesson]
      // "Basic ", then "KEY:" in base64: the key is the username; the password stays empty.
      Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
      // --8<-- [end:lesson]
      Accept: "application/json",
      "User-Agent": "Practice Sync (dev@example.com)",
    },
    signal: AbortSignal.timeout(10_000),
  });
  body = await response.text();
} catch (error) {
  // No response at all: refused, timed out, bad certificate.
  console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
  process.exit(1);
}
console.log(response.status, response.statusText);
if (response.status !== 200) {
  console.error(`Expected 200, got ${response.status}: ${body}`);
  process.exit(1);
}
const user = JSON.parse(body);
// A key acts as the user who created it, with that user's role.
console.log(`This key belongs to ${user.first_name} ${user.last_name} (${user.role}).`);
