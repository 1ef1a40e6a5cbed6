"""Massage programs: the file format, its safe loader, the compiler and the built-in library lookup.

Public API (import from the submodules; this package imports nothing so `conditions` stays cheap):
    conditions.Condition, CONDITION_NAMES, CONDITIONS      the shared health-condition vocabulary
    loader.load_program_file(path) -> LoadedProgram        read + validate one file (ProgramErrors)
    loader.load_program_bytes(data, file) -> LoadedProgram the same, pure
    LoadedProgram.conditions() -> tuple[ConditionRef]      contraindications/cautions with their lines
    compiler.compile_program(program, caps, *, session_limit_s) -> Timeline   pure
    check.compile_loaded(loaded, caps, *, session_limit_s) -> Timeline        errors carry file:line
    library.resolve_program(ref, program_folders(extra_dirs)) -> LoadedProgram
The format itself is described in docs/program-format.md.
"""
