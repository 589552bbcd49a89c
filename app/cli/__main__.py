"""`python -m app.cli`: the `nowva` command (what the tests and benchmarks start)."""

import sys

from app.cli.main import main

sys.exit(main())
