"""Search by words: a full-text index of labels, notes and descriptions, kept current on every write."""
