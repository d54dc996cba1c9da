// With four requests left in the minute, see which responses use one up: all but the 401.

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}

const HEADERS = {
  Accept: "application/json",
  "User-Agent": "Practice Sync (dev@example.com)",
};

async function get(what, path, { key = API_KEY, extraHeaders = {} } = {}) {
  let response;
  let body;
  try {
    response = await fetch(`${BASE_URL}${path}`, {
      headers: {
        // The key is the username; the password stays empty.
        Authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}`,
        ...HEADERS,
        ...extraHeaders,
      },
      signal: AbortSignal.timeout(10_000),
    });
    body = await response.text();
  } catch (error) {
    // No response at all: refused, timed out, bad certificate.
    console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  }
  console.log(`${response.status} ${response.statusText.padEnd(18)} ${what}`);
  return { response, body };
}

const { response: first, body: firstBody } = await get("a read", "/user");
if (first.status !== 200) {
  console.error(`Expected 200, got ${first.status}: ${firstBody}`);
  process.exit(1);
}
if (!first.headers.has("ETag")) {
  console.error("The API sent no ETag: nothing to send in If-None-Match.");
  process.exit(1);
}
await get("the same read, If-None-Match: its ETag", "/user", {
  extraHeaders: { "If-None-Match": first.headers.get("ETag") },
});
await get("a patient that does not exist", "/patients/1");
await get("a key that does not exist", "/user", { key: "not-a-real-key" });
await get("a read", "/user");
const { response: refused } = await get("one more read", "/user");
if (refused.status !== 429) {
  console.error(`Expected 429 once the four requests were used, got ${refused.status}`);
  process.exit(1);
}
console.log(`Retry-After: ${refused.headers.get("Retry-After")}`);
