"""Building and evaluating the default depth model (not part of the installed runtime)."""
