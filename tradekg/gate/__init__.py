"""The write gate: every write becomes an exact change set, is validated, and commits whole or not at all."""
