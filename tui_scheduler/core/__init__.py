"""The practice's pure domain: model, wall-clock time, booking rules. No Textual, no TinyDB, no I/O."""
