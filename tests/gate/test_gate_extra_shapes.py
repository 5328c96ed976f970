"""The write gate under shapes with a global read, ``sh:targetSubjectsOf`` and inverse paths (extra_shapes_gate.py).

The project's shapes have none of the first two and one inverse step, so the differential test on the bundled data
(test_gate_differential.py) cannot see a gate that mishandles them. The program gets its own process: the shapes a
process's gate knows are read once, and every other test must keep the project's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROGRAM = Path(__file__).parent.parent / "extra_shapes_gate.py"


def test_the_gate_gets_full_validations_verdicts_under_shapes_reading_globally_backwards_and_by_subjects_of() -> None:
    done = subprocess.run([sys.executable, str(PROGRAM)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cases: 12 failed: []" in done.stdout, done.stdout
