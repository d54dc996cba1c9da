// Switch off the clock's jump after a 429, so that a spent quota stays spent until the clock moves.

const CONTROL_URL = (process.env.CLINIKO_MOCK_CONTROL_URL || "").replace(/\/+$/, "");
if (!CONTROL_URL) {
  console.error("Start cliniko-sandbox and export the lines it prints first.");
  process.exit(1);
}

let response;
let body;
try {
  response = await fetch(`${CONTROL_URL}/jump-on-rate-limit?${new URLSearchParams({ enabled: "false" })}`, {
    method: "POST",
    signal: AbortSignal.timeout(10_000),
  });
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
console.log("Clock jumps after a 429:", JSON.parse(body).jump_clock_on_rate_limit ? "yes" : "no");
