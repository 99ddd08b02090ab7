"""The comparison server of issue 17: FastAPI on uvicorn hosting ONNX Runtime with the built-in
models' own ONNX files, answering KServe V2 JSON requests the way planline does, so that
`tools/loadtest-compare.sh` can drive both with the same bodies on the same machine.

    uvicorn --app-dir tools/loadtest compare_server:app --port 8091 --workers 2 \
        --loop uvloop --http httptools

Debian packages: python3-fastapi python3-uvicorn python3-uvloop python3-httptools; ONNX Runtime
from pip. Each worker loads every model in src/main/resources/models that has a model.onnx, with
one intra-op thread (two workers on two cores, as the issue's server ran), and answers
GET /v2/models/NAME (inputs and outputs) and POST /v2/models/NAME/infer (JSON tensors in and out;
a bad request gets a 400 with the reason). It is a peer for measurement, not part of planline.
"""

import json
import os
from pathlib import Path

import numpy as np
import onnxruntime as ort
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response

MODELS_DIR = Path(os.environ.get("PLANLINE_MODELS_DIR",
                                 Path(__file__).resolve().parents[2]
                                 / "src/main/resources/models"))
V2_TYPES = {"tensor(float)": "FP32", "tensor(int64)": "INT64", "tensor(int32)": "INT32"}
NUMPY_TYPES = {"FP32": np.float32, "INT64": np.int64, "INT32": np.int32}


def _load():
    options = ort.SessionOptions()
    options.intra_op_num_threads = int(os.environ.get("COMPARE_THREADS", "1"))
    options.inter_op_num_threads = 1
    sessions = {}
    for folder in sorted(MODELS_DIR.iterdir()):
        if (folder / "model.onnx").is_file():
            sessions[folder.name] = ort.InferenceSession(str(folder / "model.onnx"), options,
                                                         providers=["CPUExecutionProvider"])
    return sessions


SESSIONS = _load()
app = FastAPI()


def _session(name):
    session = SESSIONS.get(name)
    if session is None:
        raise HTTPException(status_code=404, detail=f"unknown model {name}")
    return session


def _tensors(args):
    return [{"name": a.name, "datatype": V2_TYPES.get(a.type, a.type),
             "shape": [d if isinstance(d, int) else -1 for d in a.shape]} for a in args]


@app.get("/v2/models/{name}")
def metadata(name: str):
    session = _session(name)
    return {"name": name, "platform": "onnxruntime",
            "inputs": _tensors(session.get_inputs()), "outputs": _tensors(session.get_outputs())}


@app.post("/v2/models/{name}/infer")
async def infer(name: str, request: Request):
    session = _session(name)
    try:
        body = json.loads(await request.body())
        feeds = {}
        for item in body["inputs"]:
            kind = NUMPY_TYPES[item["datatype"]]
            feeds[item["name"]] = np.asarray(item["data"], dtype=kind).reshape(item["shape"])
        results = session.run(None, feeds)
    except (KeyError, ValueError, TypeError) as e:
        raise HTTPException(status_code=400, detail=f"bad request: {e!r}") from e
    except ort.capi.onnxruntime_pybind11_state.InvalidArgument as e:
        raise HTTPException(status_code=400, detail=str(e)) from e
    outputs = [{"name": meta.name, "datatype": V2_TYPES.get(meta.type, meta.type),
                "shape": list(value.shape), "data": value.ravel().tolist()}
               for meta, value in zip(session.get_outputs(), results)]
    answer = {"model_name": name, "outputs": outputs}
    if "id" in body:
        answer["id"] = body["id"]
    return Response(content=json.dumps(answer, separators=(",", ":")),
                    media_type="application/json")
