// Put the sandbox back as it was when it started: its data, its clock and every account's quota.

const CONTROL_URL = (process.env.CLINIKO_MOCK_CONTROL_URL || "").replace(/\/+$/, "");
if (!CONTROL_URL) {
  console.error("Start cliniko-sandbox and export the lines it prints first.");
  process.exit(1);
}

let response;
let body;
try {
  response = await fetch(`${CONTROL_URL}/reset`, { method: "POST", signal: AbortSignal.timeout(10_000) });
  body = await response.text();
} catch (error) {
  console.error(`No response from the sandbox's controls: ${error.cause?.message ?? error.message}`);
  process.exit(1);
}
console.log(response.status, response.statusText);
if (response.status !== 200) {
  console.error(`Expected 200, got ${response.status}: ${body}`);
  process.exit(1);
}
const state = JSON.parse(body); // every control answers with the sandbox's state
console.log("Clock:", state.now);
for (const account of state.accounts) {
  console.log(`Account ${account.id}: ${account.remaining} requests left this minute`);
}
