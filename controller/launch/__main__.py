"""`python -m controller.launch` writes controller/launch/helptext.py again, after a change to the group or
its commands (tests/controller/test_launch.py says when)."""

from pathlib import Path

from controller.launch import module_text, render

Path(__file__).with_name("helptext.py").write_text(module_text(render()), encoding="utf-8")
