// Leave the demo practice no requests this minute, then see the API refuse the next one with 429.

const CONTROL_URL = (process.env.CLINIKO_MOCK_CONTROL_URL || "").replace(/\/+$/, "");
const BASE_URL = (process.env.CLINIKO_API_URL || "").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!(CONTROL_URL && BASE_URL && API_KEY)) {
  console.error("Start cliniko-sandbox and export the lines it prints first.");
  process.exit(1);
}
const ACCOUNT = "1210000000000000001"; // the demo practice, Harbourside Physiotherapy

let spent;
let spentBody;
try {
  // --8<-- [start:lesson]
  spent = await fetch(`${CONTROL_URL}/remaining?${new URLSearchParams({ account: ACCOUNT, remaining: "0" })}`, {
    method: "POST",
    signal: AbortSignal.timeout(10_000),
  });
  // --8<-- [end:lesson]
  spentBody = await spent.text();
} catch (error) {
  console.error(`No response from the sandbox's controls: ${error.cause?.message ?? error.message}`);
  process.exit(1);
}
if (spent.status !== 200) {
  console.error(`Expected 200 from the control, got ${spent.status}: ${spentBody}`);
  process.exit(1);
}
const left = JSON.parse(spentBody).accounts.find((account) => account.id === ACCOUNT).remaining;
console.log("Requests left:", left);

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
  console.error(`No response from the API: ${error.cause?.message ?? error.message}`);
  process.exit(1);
}
console.log(response.status, response.statusText);
if (response.status !== 429) {
  console.error(`Expected 429, got ${response.status}: ${body}`);
  process.exit(1);
}
console.log("Retry-After:", response.headers.get("Retry-After"));
