#!/usr/bin/env python3
"""Compile the built-in models with Inductor for the CPU, next to their portable programs.

For each built-in model this loads the weights shipped in ``src/main/resources/models/NAME/``
into the model's definition (``planline_models.py``), compiles it with Inductor
(``planline_inductor.py``) on the shipped sample input, and writes
``src/main/resources/models/NAME/inductor/`` — ``program.json`` (format version 2),
``kernels.cpp``, ``kernels-avx2.so`` and its own ``weights.safetensors`` (the frozen graph's
constants: batch norms folded into convolutions, weights laid out as the kernels read them) —
which the server runs in place of the portable program where the processor and libraries allow
(``planline.kernels``, see the README).

    python3 tools/build_inductor_models.py [NAME ...]     (default: all three)

Needs PyTorch (a CPU wheel is enough), g++ and Debian's libsleef-dev (for linking).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import planline_models  # noqa: E402
from check_program import read_safetensors  # noqa: E402
from planline_inductor import export_inductor_cpu  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent / "src/main/resources/models"
SPECS = {"digits-mlp": planline_models.digits_mlp_spec,
         "digits-cnn": planline_models.digits_cnn_spec,
         "tiny-gpt": planline_models.tiny_gpt_spec}


def build(name):
    folder = ROOT / name
    spec = SPECS[name]()
    model = spec.pop("model")
    state = {k: torch.from_numpy(v.copy()) for k, v in
             read_safetensors(folder / "weights.safetensors").items()}
    model.load_state_dict(state, strict=True)
    sample = json.loads((folder / "sample.json").read_text())
    inputs = {}
    for input_name, example in spec.pop("inputs").items():
        given = sample["inputs"][input_name]
        inputs[input_name] = torch.tensor(given["data"], dtype=example.dtype) \
            .reshape(given["shape"])
    summary = export_inductor_cpu(model, inputs, folder / "inductor", **spec)
    print(json.dumps({k: summary[k] for k in ("name", "lines", "compiled_kernels")}))


def main(argv):
    for name in argv or list(SPECS):
        build(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
