// Show a UTC timestamp from the API in the user's own time zone.

const BASE_URL = (process.env.CLINIKO_API_URL || "https://api.cliniko.com/v1").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!API_KEY) {
  console.error("Set CLINIKO_API_KEY to your Cliniko API key first.");
  process.exit(1);
}

let response;
let body;
try {
  response = await fetch(`${BASE_URL}/user`, {
    headers: {
      // The key is the username; the password stays empty.
      Authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`,
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
if (response.status !== 200) {
  console.error(`Expected 200, got ${response.status}: ${body}`);
  process.exit(1);
}
const user = JSON.parse(body);

// The date and time a clock in timeZone shows at that instant, as named parts (year, month, ...).
// Intl takes the rules, daylight saving time included, from the time zone database Node.js carries.
function partsIn(timeZone, date, timeZoneName) {
  const format = new Intl.DateTimeFormat("en-AU", {
    timeZone,
    // "longOffset" gives GMT+11:00; "short" gives the locale's name for the zone: AEDT in en-AU,
    // or GMT+1 where the locale has no name of its own (London in summer, in en-AU).
    timeZoneName,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });
  return Object.fromEntries(format.formatToParts(date).map(({ type, value }) => [type, value]));
}

// new Date reads the trailing Z: a Date is one instant, in no time zone until it is formatted.
// --8<-- [start:lesson]
const createdUtc = new Date(user.created_at);
const local = partsIn(user.time_zone, createdUtc, "longOffset");
// --8<-- [end:lesson]
const offset = local.timeZoneName.replace("GMT", "") || "+00:00"; // UTC itself is written GMT
const createdLocal = `${local.year}-${local.month}-${local.day}T${local.hour}:${local.minute}:${local.second}${offset}`;
const zoneName = partsIn(user.time_zone, createdUtc, "short").timeZoneName;
console.log("time_zone: ", user.time_zone);
console.log("created_at:", user.created_at);
console.log("local:     ", createdLocal, zoneName);
