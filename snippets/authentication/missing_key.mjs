// A request without credentials: 401, with a challenge saying how to authenticate.

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");

// --8<-- [start:lesson]
// The mistake: no Authorization header.
// --8<-- [end:lesson]
let response;
let body;
try {
  response = await fetch(`${BASE_URL}/user`, {
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
if (response.status !== 401) {
  console.error(`Expected 401, got ${response.status}: ${body}`);
  process.exit(1);
}
// --8<-- [start:lesson]
console.log("WWW-Authenticate:", response.headers.get("WWW-Authenticate"));
// --8<-- [end:lesson]
console.log(JSON.stringify(JSON.parse(body), null, 2));
