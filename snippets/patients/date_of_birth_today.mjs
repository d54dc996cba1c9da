// A date of birth may be today, but not later: "today" is the date in UTC, whatever your time zone.

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
  "Content-Type": "application/json",
};
const url = `${BASE_URL}/patients/1240000000000000001`; // use the ID of one of your own patients

// A baby born on the 16th in Sydney, where it is already the 16th while it is the 15th in UTC.
for (const dateOfBirth of ["2026-01-16", "2026-01-15"]) {
  let response;
  let text;
  try {
    response = await fetch(url, {
      method: "PUT",
      headers: HEADERS,
      body: JSON.stringify({ date_of_birth: dateOfBirth }),
      signal: AbortSignal.timeout(10_000),
    });
    text = await response.text();
  } catch (error) {
    // No response at all: refused, timed out, bad certificate.
    console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  }
  if (response.status !== 200 && response.status !== 422) {
    console.error(`Expected 200 or 422, got ${response.status}: ${text}`);
    process.exit(1);
  }
  console.log(`date_of_birth ${dateOfBirth}, the API's Date: ${response.headers.get("Date")}`);
  const body = JSON.parse(text);
  const outcome = body.errors
    ? Object.entries(body.errors).map(([field, problem]) => `${field} ${problem}`).join("; ")
    : body.date_of_birth;
  console.log(`  ${response.status} ${response.statusText}: ${outcome}`);
}
