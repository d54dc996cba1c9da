"""The site's own code: what the build, the tests and the make targets share.

* `scenario` - an example's `<stem>.scenario.json`: the state it needs from the sandbox, what it changes,
  and the sandbox commands that prepare that state for a reader.
* `description` - the OpenAPI description, `docs/openapi.yaml`, read as plain data: the one loader the
  build's hooks and the tests use, which parses the file once for each content it has.
* `node_tools` - the pinned Node.js tools (`tools/node/`) that lint the OpenAPI description and make and
  run the Postman collection, installed on first use into the virtual environment.
* `postman` - the Postman collection the site publishes, made from the description (`make postman`).
"""
