"""`python -m dblint` runs the command-line interface."""

from dblint.cli import main

raise SystemExit(main())
