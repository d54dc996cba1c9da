// Archive a patient: 204 and no body. The record stays readable by ID.

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}
const PATIENT_ID = "1240000000000000001"; // use the ID of one of your own patients
const HEADERS = {
  // The key is the username; the password stays empty.
  Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
  Accept: "application/json",
  "User-Agent": "Practice Sync (dev@example.com)",
};

// Send one request; stop with a one-line reason unless the status is the one expected.
// Return the body, as text.
async function send(method, url, expected) {
  let response;
  let body;
  try {
    response = await fetch(url, { method, headers: HEADERS, signal: AbortSignal.timeout(10_000) });
    body = await response.text();
  } catch (error) {
    // No response at all: refused, timed out, bad certificate.
    console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  }
  console.log(response.status, response.statusText);
  if (response.status !== expected) {
    console.error(`Expected ${expected}, got ${response.status}: ${body}`);
    process.exit(1);
  }
  return body;
}

// --8<-- [start:lesson]
const body = await send("POST", `${BASE_URL}/patients/${PATIENT_ID}/archive`, 204);
// --8<-- [end:lesson]
console.log(`body: ${Buffer.byteLength(body)} bytes`);

// Read it back: archived_at is now set.
const patient = JSON.parse(await send("GET", `${BASE_URL}/patients/${PATIENT_ID}`, 200));
console.log("archived_at:", patient.archived_at);
