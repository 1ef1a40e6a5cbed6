"""massagectl's benchmark suite (issue 6): run it with `python -m bench`; see bench/README.md."""
