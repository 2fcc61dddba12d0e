import numpy as np, json
from training.signals.second_stage import fit_stage
from analyzer.depth.modelfile import skops_io
d=np.load("/tmp/stacker/oof_long.npz")
models, thr, rec = fit_stage(d["X"], d["gold"], beta=0.8, seed=13)
open("/tmp/stacker/long_models.skops","wb").write(skops_io().dumps(models))
json.dump({"thresholds": thr, "record": rec}, open("/tmp/stacker/long_cfg.json","w"), indent=1)
print(rec)
