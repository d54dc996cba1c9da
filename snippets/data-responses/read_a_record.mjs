// One patient record: JSON, an ID sent as a string, times in UTC, and a link to itself.

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}
const PATIENT_ID = "1240000000000000001"; // use the ID of one of your own patients

let response;
let body;
try {
  response = await fetch(`${BASE_URL}/patients/${PATIENT_ID}`, {
    headers: {
      // The key is the username; the password stays empty.
      Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
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
console.log("Content-Type:", response.headers.get("Content-Type"));
const patient = JSON.parse(body);
console.log(JSON.stringify(patient, null, 2));

// Why the ID is a string: above 2**53 a 64-bit float, which is what a JavaScript number is,
// cannot hold every integer, so the ID would silently change.
// --8<-- [start:lesson]
const patientId = patient.id;
console.log(`id:              ${JSON.stringify(patientId)} (a ${typeof patientId})`);
console.log(`above 2**53:     ${BigInt(patientId) > 2n ** 53n}`);
console.log(`as an integer:   ${BigInt(patientId)}`);
console.log(`as a float:      ${Number(patientId)}`);
// --8<-- [end:lesson]
