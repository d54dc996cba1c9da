"""`python -m cliniko_sandbox` is the `cliniko-sandbox` command (`cliniko_sandbox.cli`)."""

import sys

from cliniko_sandbox.cli import main

sys.exit(main())
