"""Everything that touches SpiffWorkflow: reading and parsing the specs of a version (specs.py,
registry.py), the deploy lint (lint.py), the sandbox every piece of diagram code runs in
(sandbox.py), the helpers a step may call (context.py), running a step (runtime.py) and writing it
(persist.py), case diagrams (diagrams.py), the difference between two versions (diff.py) and moving
a running case to another version (migration.py)."""
