"""`python -m controller.cli` runs massagectl (used by tests to run the CLI in a fresh process)."""

from controller.cli import main

main()
