"""The curl version the guide asks for, and the version of curl that added each flag the examples use:
the examples layer checks the curl examples against it, and the home page's prerequisites against both."""

from __future__ import annotations

#: The curl version the home page asks for: `--fail-with-body` needs it.
CURL_MINIMUM = (7, 76, 0)

#: Every curl flag the examples use (and a few they may), with the curl version that added it: the
#: `Added:` field of the option's page in curl's own docs (docs/cmdline-opts/<option>.md).
CURL_FLAGS = {
    "--silent": (4, 0, 0),
    "--show-error": (5, 9, 0),
    "--max-time": (4, 0, 0),
    "--user": (4, 0, 0),
    "--header": (5, 0, 0),
    "--include": (4, 8, 0),  # docs/cmdline-opts/show-headers.md, its newer name
    "--request": (6, 0, 0),
    "--data": (4, 0, 0),
    "--data-binary": (7, 2, 0),
    "--data-urlencode": (7, 18, 0),
    "--get": (7, 8, 1),
    "--output": (4, 0, 0),
    "--dump-header": (5, 7, 0),
    "--write-out": (6, 5, 0),
    "--verbose": (4, 0, 0),
    "--fail": (4, 0, 0),
    "--fail-with-body": (7, 76, 0),
    "--etag-save": (7, 68, 0),
    "--etag-compare": (7, 68, 0),
    "--retry": (7, 12, 3),
    "--retry-max-time": (7, 12, 3),
    "--retry-all-errors": (7, 71, 0),
}
