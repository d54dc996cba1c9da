// Read the user behind the key, then a page of patients, with a client typed from the description.
//
// openapi-fetch sends the requests. The types come from the description: openapi-typescript wrote them
// to cliniko-api.d.ts, beside this file, and the JSDoc comment on the client gives them to it.

import createClient from "openapi-fetch";

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}
const USER_AGENT = "Practice Sync (dev@example.com)";

// --8<-- [start:lesson]
/** @type {import("openapi-fetch").Client<import("./cliniko-api").paths>} */
const client = createClient({
  baseUrl: BASE_URL,
  headers: {
    // The key is the username of Basic auth; the password stays empty.
    Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
    Accept: "application/json",
    // Sent with every request, a call that leaves it out of its params too.
    "User-Agent": USER_AGENT,
  },
});
// --8<-- [end:lesson]

let user;
let listed;
try {
  // --8<-- [start:lesson]
  // Each call also takes the User-Agent, as the description lists it for every operation.
  user = await client.GET("/user", {
    params: { header: { "User-Agent": USER_AGENT } },
    signal: AbortSignal.timeout(10_000),
  });
  // --8<-- [end:lesson]
  console.log("GET /user:", user.response.status, user.response.statusText);
  if (!user.data) {
    console.error(`Expected 200, got ${user.response.status}: ${JSON.stringify(user.error)}`);
    process.exit(1);
  }
  console.log(`  ${user.data.first_name} ${user.data.last_name}, ${user.data.role}`);

  // `q[]` is a list of filters.
  listed = await client.GET("/patients", {
    params: { header: { "User-Agent": USER_AGENT }, query: { per_page: 3, "q[]": ["first_name:~a"] } },
    signal: AbortSignal.timeout(10_000),
  });
  console.log("GET /patients:", listed.response.status, listed.response.statusText);
  if (!listed.data) {
    console.error(`Expected 200, got ${listed.response.status}: ${JSON.stringify(listed.error)}`);
    process.exit(1);
  }
} catch (error) {
  // No response at all: refused, timed out, bad certificate.
  console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
  process.exit(1);
}

const patients = listed.data;
console.log(`  ${patients.total_entries} patients with an 'a' in their first name; the first ${patients.patients.length}:`);
for (const patient of patients.patients) {
  console.log(`  ${patient.id}  ${patient.first_name} ${patient.last_name}`);
}
