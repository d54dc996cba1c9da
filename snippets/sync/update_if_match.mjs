// Update a patient only if no one else changed it since you read it: If-Match with the ETag you read.
//
// A second writer comes first here; the If-Match update gets 412, reads again and succeeds.

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}

const PATIENT_URL = `${BASE_URL}/patients/1240000000000000001`; // use the ID of one of your own patients
const CHANGE = { email: "w.kaur@example.com" };

// Send one request to the patient: a GET, or a PUT of `change`, sent with If-Match when `ifMatch` is given.
// Returns the response and its body, read.
async function send(method, change, ifMatch) {
  try {
    const response = await fetch(PATIENT_URL, {
      method,
      headers: {
        // The key is the username; the password stays empty.
        Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
        Accept: "application/json",
        "User-Agent": "Practice Sync (dev@example.com)",
        ...(change && { "Content-Type": "application/json" }),
        ...(ifMatch && { "If-Match": ifMatch }),
      },
      body: change && JSON.stringify(change),
      signal: AbortSignal.timeout(10_000),
    });
    return { response, text: await response.text() };
  } catch (error) {
    // No response at all: refused, timed out, bad certificate.
    console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  }
}

// The patient in a 200 response; any other status stops the program.
function patientFrom({ response, text }) {
  if (response.status !== 200) {
    console.error(`Expected 200, got ${response.status}: ${text}`);
    process.exit(1);
  }
  return JSON.parse(text);
}

// The ETag of a response; without one, If-Match cannot protect the change.
function etagOf({ response }) {
  const etag = response.headers.get("ETag");
  if (!etag) {
    console.error("The API sent no ETag: If-Match cannot protect the change.");
    process.exit(1);
  }
  return etag;
}

// The message of an error response, or its status text when the body is not the API's JSON.
function messageOf({ response, text }) {
  try {
    return JSON.parse(text).message ?? response.statusText;
  } catch {
    return response.statusText; // a proxy on the way may answer with HTML
  }
}

const read = await send("GET");
patientFrom(read);
const readEtag = etagOf(read);
console.log(`GET: ETag ${readEtag}`);

// Someone else saves a change to the same patient first (here, this example does it for them).
const theirs = patientFrom(await send("PUT", { title: "Dr" }));
console.log(`Another user's PUT: title ${theirs.title}`);

// --8<-- [start:lesson]
let updated = await send("PUT", CHANGE, readEtag);
// --8<-- [end:lesson]
if (updated.response.status === 412) {
  console.log(`PUT with If-Match: ${readEtag}`);
  console.log(`  ${updated.response.status} ${messageOf(updated)}`);
  // --8<-- [start:lesson]
  const now = await send("GET"); // read the patient as it is now; decide again whether the change still applies
  patientFrom(now);
  updated = await send("PUT", CHANGE, etagOf(now));
  // --8<-- [end:lesson]
  patientFrom(updated); // stop here unless the second PUT succeeded
  console.log("Read again, PUT with the new ETag: done");
}
const patient = patientFrom(updated);
console.log(`Now: title ${patient.title}, email ${patient.email}`);
