"""The site build's own code: what the build and the tests share about the examples.

* `scenario` - an example's `<stem>.scenario.json`: the state it needs from the sandbox, what it changes,
  and the sandbox commands that prepare that state for a reader.
"""
