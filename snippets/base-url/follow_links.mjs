// Build one URL from a configurable base, then follow the links the API returns.

// The only place the base URL appears; a trailing slash would give paths like /v1//patients.
// --8<-- [start:lesson]
const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
// --8<-- [end:lesson]
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

// GET a URL; stop with a one-line reason unless the response is 200. Returns the response and its body.
async function get(url, params = {}) {
  const target = new URL(url);
  for (const [name, value] of Object.entries(params)) {
    target.searchParams.append(name, value);
  }
  let response;
  let body;
  try {
    response = await fetch(target, { headers: HEADERS, signal: AbortSignal.timeout(10_000) });
    body = await response.text();
  } catch (error) {
    // No response at all: refused, timed out, bad certificate.
    console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  }
  console.log("GET", response.url);
  if (response.status !== 200) {
    console.error(`Expected 200, got ${response.status}: ${body}`);
    process.exit(1);
  }
  return { response, body };
}

// Built from the base: the entry point of the resource.
const { patients } = JSON.parse((await get(`${BASE_URL}/patients`, { per_page: 1 })).body);
if (patients.length === 0) {
  console.error("This account has no patients yet: create one first.");
  process.exit(1);
}

// --8<-- [start:lesson]
// Followed as given: the record's own link is already a complete URL.
const patient = await get(patients[0].links.self);
// --8<-- [end:lesson]
console.log(patient.response.status, patient.response.statusText);
console.log(JSON.stringify(JSON.parse(patient.body), null, 2));
