// Put the sandbox's clock one second before a minute ends, then move it on by a second.

const CONTROL_URL = (process.env.CLINIKO_MOCK_CONTROL_URL || "").replace(/\/+$/, "");
if (!CONTROL_URL) {
  console.error("Start cliniko-sandbox and export the lines it prints first.");
  process.exit(1);
}

// Send one control; stop with the sandbox's message if it refuses.
async function control(path, params) {
  let response;
  let body;
  try {
    response = await fetch(`${CONTROL_URL}${path}?${new URLSearchParams(params)}`, {
      method: "POST",
      signal: AbortSignal.timeout(10_000),
    });
    body = await response.text();
  } catch (error) {
    console.error(`No response from the sandbox's controls: ${error.cause?.message ?? error.message}`);
    process.exit(1);
  }
  if (response.status !== 200) {
    console.error(`${path}: expected 200, got ${response.status}: ${body}`);
    process.exit(1);
  }
  return JSON.parse(body);
}

// --8<-- [start:lesson]
console.log("Clock:", (await control("/time", { at: "2026-01-15T09:30:59Z" })).now);
console.log("Clock:", (await control("/advance", { seconds: "1" })).now);
// --8<-- [end:lesson]
