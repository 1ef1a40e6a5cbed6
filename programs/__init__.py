"""Built-in massage programs shipped as YAML files beside this module."""
from pathlib import Path

PROGRAMS_DIR = Path(__file__).resolve().parent
