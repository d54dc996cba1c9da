// What a request over plain HTTP gets: a 400 and no data.

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
// The mistake: the same URL with http:// instead of https://.
// --8<-- [start:lesson]
const PLAIN_URL = BASE_URL.replace("https://", "http://");
// --8<-- [end:lesson]

// No API key on purpose: over plain HTTP it would cross the network unencrypted.
let response;
let body;
try {
  response = await fetch(`${PLAIN_URL}/user`, {
    headers: {
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
if (response.status !== 400) {
  console.error(`Expected 400, got ${response.status}: ${body}`);
  process.exit(1);
}
console.log(JSON.stringify(JSON.parse(body), null, 2));
