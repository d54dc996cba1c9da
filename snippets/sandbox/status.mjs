// Read the sandbox's state: its clock, its switches, and how many requests each account has left.

const CONTROL_URL = (process.env.CLINIKO_MOCK_CONTROL_URL || "").replace(/\/+$/, "");
if (!CONTROL_URL) {
  console.error("Start cliniko-sandbox and export the lines it prints first.");
  process.exit(1);
}

let response;
let body;
try {
  // The control port has no key and needs no headers; the sandbox's CA comes from NODE_EXTRA_CA_CERTS.
  response = await fetch(`${CONTROL_URL}/status`, { signal: AbortSignal.timeout(10_000) });
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
const state = JSON.parse(body);
console.log("Clock:", state.now);
console.log("Clock jumps after a 429:", state.jump_clock_on_rate_limit ? "yes" : "no");
console.log("Requests that will fail:", state.failing_next);
for (const account of state.accounts) {
  console.log(`Account ${account.id} (${account.name}): ${account.remaining} requests left this minute`);
}
