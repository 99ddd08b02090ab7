#!/usr/bin/env python3
"""Add the serial builds (Inductor's C++ kernels compiled without OpenMP) to model folders
exported before the exporter made them.

For each library listed in a folder's ``program.json`` (``compiled.libraries``) this rebuilds
its kernels from the sources the folder keeps (``kernels.cpp``, ``kernels-avx512.cpp``) with the
exporter's own builder, without ``-fopenmp``, writes ``kernels-ISA-serial.so`` beside it and
records it as the library's ``serial`` entry (file and SHA-256); a library none of whose
kernels uses OpenMP gets none. Nothing else in the folder changes. planline runs a kernel call there when its tensors are too small for a second thread
(docs/model-format.md).

    python3 tools/add_serial_kernels.py FOLDER [FOLDER ...]

Needs what the exporter needs to build the libraries: PyTorch (its headers), g++ and Debian's
libsleef-dev.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from planline_inductor import read_source_file, with_serial_build  # noqa: E402


def add_serial(folder: Path) -> None:
    program_file = folder / "program.json"
    program = json.loads(program_file.read_text())
    compiled = program.get("compiled")
    if not compiled or compiled.get("kind") != "inductor-cpp":
        raise SystemExit(f"{program_file}: not a program of Inductor's C++ kernels")
    for library in compiled["libraries"]:
        source = library.get("source") or compiled.get("source")
        if source is None:
            raise SystemExit(f"{program_file}: library {library['file']} names no source")
        sources = read_source_file((folder / source).read_text())
        missing = sorted(set(compiled["kernels"]) - set(sources))
        if missing:
            raise SystemExit(f"{folder / source}: no source for kernels {missing}")
        library.pop("serial", None)
        with_serial_build(library, sources, folder, print)
    program_file.write_text(json.dumps(program, indent=1) + "\n")


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[-4].strip(), file=sys.stderr)
        return 2
    for folder in argv:
        add_serial(Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
