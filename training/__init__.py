"""Building and evaluating the analyzer's models: never imported by the analysis a user runs.

- :mod:`training.signals` trains the signal pipeline (``make model`` -> ``models/signals``) and
  evaluates it next to a TF-IDF baseline (``make evaluate``).
- :mod:`training.depth` builds the default depth model (``models/depth``) and evaluates it on the
  generated and the independent mailboxes.

This package lives in the checkout only; the installed wheel carries :mod:`analyzer` and the
shipped model files (``models/`` mapped to ``analyzer.models``).
"""
