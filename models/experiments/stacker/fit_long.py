"""Fit the long-text stage of RESULTS.md section 4 on ``oof_long.py``'s window rows (experiment helper).

    PYTHONPATH=. .venv/bin/python models/experiments/stacker/fit_long.py OOF_LONG.npz OUT_DIR
"""
import json
import sys
from pathlib import Path

import numpy as np

from analyzer.depth.modelfile import skops_io
from training.signals.second_stage import fit_stage

data, out = np.load(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
models, thresholds, record = fit_stage(data["X"], data["gold"], beta=0.8, seed=13)
(out / "long_models.skops").write_bytes(skops_io().dumps(models))
(out / "long_cfg.json").write_text(json.dumps({"thresholds": thresholds, "record": record}, indent=1))
