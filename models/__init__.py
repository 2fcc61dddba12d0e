"""The shipped model files (package ``analyzer.models`` once installed; see analyzer/resources.py).

``signals/`` is the spaCy signal pipeline and ``depth/model.skops`` the default depth model; each
folder's TRAINING.md says how it was built and evaluation.md how it measured. Nothing here is code.
"""
