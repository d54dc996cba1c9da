// Send requests that are each wrong in one way, and print the API's response to each one.

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}

// The key is the username; the password stays empty.
const basicAuth = (key) => `Basic ${Buffer.from(`${key}:`).toString("base64")}`;

const GOOD_HEADERS = {
  Authorization: basicAuth(API_KEY),
  Accept: "application/json",
  "User-Agent": "Practice Sync (dev@example.com)",
};
const JSON_CONTENT_TYPE = { "Content-Type": "application/json" };
const PATIENTS = `${BASE_URL}/patients`;
const A_PATIENT = `${PATIENTS}/1240000000000000001`; // use the ID of one of your own patients

// [what is wrong, the status it gets, method, URL, what to change in an otherwise correct request]
const MISTAKES = [
  ["User-Agent: node, with no contact e-mail", 400, "GET", `${BASE_URL}/user`,
    { headers: { "User-Agent": "node" } }],
  ["per_page above its maximum", 400, "GET", `${PATIENTS}?${new URLSearchParams({ per_page: 500 })}`, {}],
  ["a body that is not valid JSON", 400, "POST", PATIENTS,
    { body: '{"first_name": "Ana"', headers: JSON_CONTENT_TYPE }],
  ["an API key that does not exist", 401, "GET", `${BASE_URL}/user`,
    { headers: { Authorization: basicAuth("not-a-real-key") } }],
  ["a patient ID that does not exist", 404, "GET", `${PATIENTS}/1`, {}],
  ["a method the path does not offer", 405, "DELETE", A_PATIENT, {}],
  ["Accept: text/html", 406, "GET", `${BASE_URL}/user`, { headers: { Accept: "text/html" } }],
  ["a body over the size limit", 413, "POST", PATIENTS,
    { body: JSON.stringify({ first_name: "A".repeat(1_100_000) }), headers: JSON_CONTENT_TYPE }],
  ["a URL over the length limit", 414, "GET",
    `${PATIENTS}?${new URLSearchParams({ q: `first_name:=${"A".repeat(17_000)}` })}`, {}],
  ["Content-Type: application/x-www-form-urlencoded", 415, "POST", PATIENTS,
    { body: new URLSearchParams({ first_name: "Ana", last_name: "Rossi" }) }],
  ["a blank first name", 422, "POST", PATIENTS,
    { body: JSON.stringify({ first_name: "", last_name: "Rossi" }), headers: JSON_CONTENT_TYPE }],
  ["a body that is not a JSON object", 422, "POST", PATIENTS,
    { body: JSON.stringify(["Ana", "Rossi"]), headers: JSON_CONTENT_TYPE }],
  ["headers over the size limit", 431, "GET", `${BASE_URL}/user`, { headers: { "X-Padding": "p".repeat(17_000) } }],
];

for (const [what, expected, method, url, changes] of MISTAKES) {
  const options = { method, ...changes, headers: { ...GOOD_HEADERS, ...changes.headers } };
  let response;
  let text;
  try {
    response = await fetch(url, { ...options, signal: AbortSignal.timeout(10_000) });
    text = await response.text();
  } catch (error) {
    // No response at all: refused, timed out, bad certificate.
    console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  }
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    // Every API response is JSON; this one came from something in between.
    console.error(`${response.status} ${response.statusText}, with a body that is not JSON`);
    process.exit(1);
  }
  console.log(what);
  console.log(`  ${response.status} ${response.statusText}: ${body.message}`);
  for (const name of ["WWW-Authenticate", "Allow"]) {
    if (response.headers.has(name)) {
      console.log(`  ${name}: ${response.headers.get(name)}`);
    }
  }
  for (const [field, problem] of Object.entries(body.errors ?? {})) {
    console.log(`  ${field}: ${problem}`);
  }
  if (response.status !== expected) {
    console.error(`Expected ${expected}, got ${response.status}: ${body.message}`);
    process.exit(1);
  }
}
