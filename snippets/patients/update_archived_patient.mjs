// An archived patient cannot be changed: 409 Conflict, until it is unarchived.

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}
const PATIENT_ID = "1240000000000000007"; // an archived patient

let response;
let body;
try {
  response = await fetch(`${BASE_URL}/patients/${PATIENT_ID}`, {
    // --8<-- [start:lesson]
    method: "PUT",
    // --8<-- [end:lesson]
    headers: {
      // The key is the username; the password stays empty.
      Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
      Accept: "application/json",
      "User-Agent": "Practice Sync (dev@example.com)",
      "Content-Type": "application/json",
    },
    body: JSON.stringify({ email: "new.address@example.com" }),
    signal: AbortSignal.timeout(10_000),
  });
  body = await response.text();
} catch (error) {
  // No response at all: refused, timed out, bad certificate.
  console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
  process.exit(1);
}
console.log(response.status, response.statusText);
if (response.status !== 409) {
  console.error(`Expected 409, got ${response.status}: ${body}`);
  process.exit(1);
}
console.log(JSON.stringify(JSON.parse(body), null, 2));
