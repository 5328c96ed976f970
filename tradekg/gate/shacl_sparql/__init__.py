"""SHACL Core and SHACL-SPARQL shapes compiled to SPARQL queries that Oxigraph evaluates on a write's focus nodes.

The write gate's fast path (:func:`validate_focus`); pySHACL remains for the shapes the compiler does not
translate and as the oracle of ``tests/gate/test_compiled_shapes.py``. Modules: :mod:`.components` (one function
per constraint component), :mod:`.functions` (the value tests Oxigraph calls back for), :mod:`.compiler` (shapes
to queries), :mod:`.validator` (running them).
"""

from tradekg.gate.shacl_sparql.validator import compiled_shapes, validate_focus

__all__ = ["compiled_shapes", "validate_focus"]
