// One complete exchange: every header the request sets, and the API's whole response.
// fetch adds a few headers of its own as it sends the request (Host, Connection, User-Agent when
// there is none, Accept-Encoding, Accept-Language, Sec-Fetch-Mode) and does not show them.

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}

const sent = new Request(`${BASE_URL}/user`, {
  headers: {
    // The key is the username; the password stays empty.
    Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
    Accept: "application/json",
    "User-Agent": "Practice Sync (dev@example.com)",
  },
  signal: AbortSignal.timeout(10_000),
});
let response;
let body;
try {
  response = await fetch(sent);
  body = await response.text();
} catch (error) {
  // No response at all: refused, timed out, bad certificate.
  console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
  process.exit(1);
}

console.log(`> ${sent.method} ${sent.url}`);
// fetch gives the headers in alphabetical order, with their names in lower case.
for (let [name, value] of sent.headers) {
  // --8<-- [start:lesson]
  if (name === "authorization") {
    value = "Basic [your key, base64-encoded]"; // never print or log the real value
  }
  // --8<-- [end:lesson]
  console.log(`> ${name}: ${value}`);
}
console.log();
console.log(`< ${response.status} ${response.statusText}`);
for (const [name, value] of response.headers) {
  console.log(`< ${name}: ${value}`);
}
console.log();
if (response.status !== 200) {
  console.error(`Expected 200, got ${response.status}: ${body}`);
  process.exit(1);
}
console.log(JSON.stringify(JSON.parse(body), null, 2));
