// Create a patient at most once: look for the e-mail address first, and create only if no patient has it.
//
// Run twice here, as after a create whose response never came.

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}

const NEW_PATIENT = { first_name: "Ana", last_name: "Silva", email: "ana.silva@example.com" };

// Send one request and return its decoded body; stop with the status and the body if the API refuses.
async function send(method, url, body) {
  let response;
  let text;
  try {
    response = await fetch(url, {
      method,
      headers: {
        // The key is the username; the password stays empty.
        Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
        Accept: "application/json",
        "User-Agent": "Practice Sync (dev@example.com)",
        ...(body && { "Content-Type": "application/json" }),
      },
      body: body && JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    text = await response.text();
  } catch (error) {
    // No response at all: refused, timed out, bad certificate.
    console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  }
  if (!response.ok) {
    console.error(`The API refused: ${response.status} ${response.statusText}: ${text}`);
    process.exit(1);
  }
  return JSON.parse(text);
}

// Every patient of a list: the first page, then each page that the last one's links.next names.
async function listAllPatients(url) {
  const records = [];
  for (let next = url; next; ) {
    const page = await send("GET", next);
    records.push(...page.patients);
    next = page.links?.next;
  }
  return records;
}

// The patient with this e-mail address if there is one, else a new patient.
async function createOnce(patient) {
  // --8<-- [start:lesson]
  const search = new URL(`${BASE_URL}/patients`);
  search.searchParams.append("q[]", `email:=${patient.email}`);
  const found = await listAllPatients(search);
  // --8<-- [end:lesson]
  if (found.length > 0) {
    console.log(`  found patient ${found[0].id} with ${patient.email}: not creating it again`);
    return found[0];
  }
  const created = await send("POST", `${BASE_URL}/patients`, patient);
  console.log(`  no patient has ${patient.email}: created patient ${created.id}`);
  return created;
}

console.log("First attempt:");
await createOnce(NEW_PATIENT);
console.log("Second attempt, as after a timeout:");
await createOnce(NEW_PATIENT);
