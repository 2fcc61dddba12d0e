"""Training and evaluation of the signal pipeline (not part of the installed runtime)."""
