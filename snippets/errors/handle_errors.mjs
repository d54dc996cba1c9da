// Turn error responses into an exception that carries the status, the message and the field errors.

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}

// --8<-- [start:lesson]
// A response with a status of 400 or more.
class ApiError extends Error {
  constructor(response, text) {
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      // Not every error reaches you from the API: a proxy may respond in HTML.
      body = { message: response.statusText };
    }
    super(body.message ?? response.statusText);
    this.name = "ApiError";
    this.status = response.status;
    this.errors = body.errors ?? {}; // only 422 has them
  }

  toString() {
    return `${this.status} ${this.message}`;
  }
}
// --8<-- [end:lesson]

const HEADERS = {
  // The key is the username; the password stays empty.
  Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
  Accept: "application/json",
  "User-Agent": "Practice Sync (dev@example.com)",
};

async function call(method, url, { json } = {}) {
  let response;
  let body;
  try {
    response = await fetch(url, {
      method,
      headers: json === undefined ? HEADERS : { ...HEADERS, "Content-Type": "application/json" },
      body: json === undefined ? undefined : JSON.stringify(json),
      signal: AbortSignal.timeout(10_000),
    });
    body = await response.text();
  } catch (error) {
    // No response at all: refused, timed out, bad certificate.
    console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  }
  const path = url.startsWith(BASE_URL) ? url.slice(BASE_URL.length) : url;
  console.log(`${method} ${path} -> ${response.status} ${response.statusText}`);
  // --8<-- [start:lesson]
  if (response.status >= 400) {
    throw new ApiError(response, body);
  }
  // --8<-- [end:lesson]
  return response;
}

let patientUrl;
try {
  const created = await call("POST", `${BASE_URL}/patients`, { json: { first_name: "Ana", last_name: "Rossi" } });
  patientUrl = created.headers.get("Location");
  if (!patientUrl) {
    console.error("Expected a Location header with the 201: it says where the new patient is");
    process.exit(1);
  }
  console.log(`  Location: ${patientUrl}`);
  await call("POST", `${patientUrl}/archive`);
} catch (error) {
  if (!(error instanceof ApiError)) throw error;
  console.error(`Stopped: ${error}`);
  process.exit(1);
}
// First a value the API refuses, then a valid change, which the archived patient refuses.
for (const change of [{ email: "ana.rossi" }, { email: "ana.rossi@example.com" }]) {
  let changed;
  try {
    changed = await call("PUT", patientUrl, { json: change });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    // --8<-- [start:lesson]
    if (error.status === 422) {
      // The values are wrong: errors names each field.
      for (const [field, problem] of Object.entries(error.errors)) {
        console.log(`  ${field}: ${problem}`);
      }
    } else if (error.status === 409) {
      // The request is right, but the record's state forbids it.
      console.log(`  ${error.message}`);
    } else {
      // Anything else is not a problem this program knows how to fix.
      console.error(`Stopped: ${error}`);
      process.exit(1);
    }
    // --8<-- [end:lesson]
    continue;
  }
  console.error(`Expected 422 or 409, got ${changed.status}: the archived patient was changed`);
  process.exit(1);
}
