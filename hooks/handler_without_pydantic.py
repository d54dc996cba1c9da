"""Load mkdocstrings' Python handler as a site built from the docs' dependencies alone would.

mkdocstrings-python declares its options as pydantic dataclasses when pydantic is installed, to publish
a JSON Schema of them, and as plain dataclasses otherwise. The docs do not need pydantic; the tests
install it (Schemathesis and the OpenAPI validators depend on it), and building those pydantic
classes cost about a quarter of a second of every build, more than a page. So this hook, which MkDocs
loads before any plugin's `on_config`, imports the handler while `import pydantic` fails, and then lets
the rest of the process import pydantic as usual. The handler validates its options either way.
"""

from __future__ import annotations

import sys

if "pydantic" not in sys.modules and "mkdocstrings_handlers.python" not in sys.modules:
    sys.modules["pydantic"] = None  # type: ignore[assignment] - makes `import pydantic` raise ImportError
    try:
        import mkdocstrings_handlers.python  # noqa: F401 - imported for its side effect only
    finally:
        del sys.modules["pydantic"]
