"""The session's state diagram as mermaid, drawn by transitions itself from the session's table
(docs/state-machine.md holds it; tests/controller/test_state_machine_doc.py keeps the two in step)."""

from __future__ import annotations

from controller.runs.session import TRANSITIONS, State


def mermaid_diagram() -> str:
    """The state diagram as mermaid, drawn by transitions itself from the session's table."""
    from transitions.extensions import GraphMachine

    class _Model:
        pass

    machine = GraphMachine(model=_Model(), states=[s.value for s in State], transitions=TRANSITIONS,
                           initial=State.DISCONNECTED.value, auto_transitions=False, graph_engine="mermaid",
                           title="massagectl session")
    return str(machine.get_graph().draw(None))
