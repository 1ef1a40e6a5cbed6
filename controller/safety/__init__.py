"""The safety layer: limits, health conditions and profiles, the policy, the gate every SET passes, the
pre-run assessment and the shaping of a timeline before it plays, and the rest between sessions.

Pure but for the health profile's file and the rest-time file; imports no program code (programs refer
to its conditions and limits, not the other way round)."""
