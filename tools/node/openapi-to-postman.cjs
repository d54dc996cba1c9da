'use strict';
// Converts an OpenAPI description into a Postman collection with openapi-to-postmanv2 (its current
// interface, `convertV2`, which its own command line uses by default) and prints the collection as JSON.
//
//   node openapi-to-postman.cjs DESCRIPTION OPTIONS_JSON
//
// src/cliniko_docs/postman.py runs it, with NODE_PATH set to the node_modules folder that
// src/cliniko_docs/node_tools.py installs. The converter's own command line is not used because it
// exits with 0 when a conversion fails and only warns about an option it does not know; here, either
// ends the run with a message on standard error and exit code 1.
//
// Where the description gives no example, the converter makes a value up with Math.random. Here
// Math.random draws from a fixed seed instead, so that converting the same description twice gives the
// same collection, and a committed collection can be compared with a fresh conversion.

const fs = require('fs');
const seedrandom = require('seedrandom');

// Before the converter loads: its schema faker keeps the Math.random it finds then.
seedrandom('cliniko-api-guide', { global: true });
const Converter = require('openapi-to-postmanv2');

function fail(message) {
  process.stderr.write(`openapi-to-postman: ${message}\n`);
  process.exit(1);
}

const [description, optionsJson] = process.argv.slice(2);
if (!description || optionsJson === undefined) {
  fail('usage: node openapi-to-postman.cjs DESCRIPTION OPTIONS_JSON');
}
let options;
try {
  options = JSON.parse(optionsJson);
} catch (error) {
  fail(`the options are not JSON: ${error.message}`);
}
if (options === null || typeof options !== 'object' || Array.isArray(options)) {
  fail('the options must be a JSON object of option names and values');
}
const known = new Map(Converter.getOptions({ usage: ['CONVERSION'] }).map((option) => [option.id, option]));
for (const [name, value] of Object.entries(options)) {
  const option = known.get(name);
  if (option === undefined) {
    fail(`openapi-to-postmanv2 has no conversion option ${JSON.stringify(name)}`);
  }
  if (option.type === 'enum' && !option.availableOptions.includes(value)) {
    fail(`the option ${name} takes ${option.availableOptions.join(' or ')}, not ${JSON.stringify(value)}`);
  }
}

let text;
try {
  text = fs.readFileSync(description, 'utf8');
} catch (error) {
  fail(`cannot read ${description}: ${error.message}`);
}

Converter.convertV2({ type: 'string', data: text }, options, (error, result) => {
  if (error) {
    fail(`${description} could not be converted: ${error.message || error}`);
  }
  if (!result || !result.result) {
    fail(`${description} could not be converted: ${(result && result.reason) || 'no reason given'}`);
  }
  const collection = result.output.find((output) => output.type === 'collection');
  if (!collection) {
    fail(`converting ${description} gave no collection`);
  }
  process.stdout.write(JSON.stringify(collection.data));
});
