// Change a patient, then revalidate with the old ETag: the API sends the new version and a new ETag.

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}

const HEADERS = {
  // The key is the username; the password stays empty.
  Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
  Accept: "application/json",
  "User-Agent": "Practice Sync (dev@example.com)",
};
const url = `${BASE_URL}/patients/1240000000000000001`; // use the ID of one of your own patients

// Send one request; stop with a one-line reason unless the status is the one expected.
// Returns the response and its body.
async function send(method, expected, { headers = {}, json } = {}) {
  const options = { method, headers: { ...HEADERS, ...headers }, signal: AbortSignal.timeout(10_000) };
  if (json !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(json);
  }
  let response;
  let body;
  try {
    response = await fetch(url, options);
    body = await response.text();
  } catch (error) {
    // No response at all: refused, timed out, bad certificate.
    console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  }
  if (response.status !== expected) {
    console.error(`${method}: expected ${expected}, got ${response.status}: ${body}`);
    process.exit(1);
  }
  return { response, body };
}

const before = await send("GET", 200);
// --8<-- [start:lesson]
const oldEtag = before.response.headers.get("ETag");
// --8<-- [end:lesson]
if (oldEtag === null) {
  console.error("The API sent no ETag: nothing to send in If-None-Match.");
  process.exit(1);
}
console.log(
  `GET: ${before.response.status} ${before.response.statusText}, ETag: ${oldEtag}, ` +
    `title: ${JSON.parse(before.body).title}`,
);

// --8<-- [start:lesson]
const changed = await send("PUT", 200, { json: { title: "Dr" } });
// --8<-- [end:lesson]
console.log(`PUT: ${changed.response.status} ${changed.response.statusText}, title: ${JSON.parse(changed.body).title}`);

// --8<-- [start:lesson]
const after = await send("GET", 200, { headers: { "If-None-Match": oldEtag } });
// --8<-- [end:lesson]
console.log(`GET with If-None-Match: ${oldEtag}`);
console.log(
  `  ${after.response.status} ${after.response.statusText}, ETag: ${after.response.headers.get("ETag")}, ` +
    `title: ${JSON.parse(after.body).title}`,
);
