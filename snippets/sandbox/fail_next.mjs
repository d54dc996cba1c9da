// Make the sandbox answer the next request with 503, to see how your code handles a server error.

import { setTimeout as sleep } from "node:timers/promises";

const CONTROL_URL = (process.env.CLINIKO_MOCK_CONTROL_URL || "").replace(/\/+$/, "");
const BASE_URL = (process.env.CLINIKO_API_URL || "").replace(/\/+$/, "");
const API_KEY = process.env.CLINIKO_API_KEY;
if (!(CONTROL_URL && BASE_URL && API_KEY)) {
  console.error("Start cliniko-sandbox and export the lines it prints first.");
  process.exit(1);
}

let failing;
let failingBody;
try {
  // --8<-- [start:lesson]
  failing = await fetch(`${CONTROL_URL}/fail-next?${new URLSearchParams({ count: "1" })}`, {
    method: "POST",
    signal: AbortSignal.timeout(10_000),
  });
  // --8<-- [end:lesson]
  failingBody = await failing.text();
} catch (error) {
  console.error(`No response from the sandbox's controls: ${error.cause?.message ?? error.message}`);
  process.exit(1);
}
if (failing.status !== 200) {
  console.error(`Expected 200 from the control, got ${failing.status}: ${failingBody}`);
  process.exit(1);
}
console.log("Requests that will fail:", JSON.parse(failingBody).failing_next);

for (const attempt of [1, 2]) {
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
  console.log(`attempt ${attempt}:`, response.status, response.statusText);
  const expected = attempt === 1 ? 503 : 200;
  if (response.status !== expected) {
    console.error(`Expected ${expected}, got ${response.status}: ${body}`);
    process.exit(1);
  }
  if (response.status === 503) {
    // Wait as long as the sandbox asks before sending it again.
    const retryAfter = response.headers.get("Retry-After") ?? "";
    const wait = /^\d+$/.test(retryAfter) ? Number(retryAfter) : 1;
    console.log(`  Retry-After: ${retryAfter || "(none)"}; waiting ${wait} s`);
    await sleep(wait * 1000);
  }
}
