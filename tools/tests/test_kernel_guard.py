"""The guarded entry point the exporter appends to each kernel's source (planline_inductor.
with_guard). Needs PyTorch (imported by planline_inductor):
python3 -m unittest tools/tests/test_kernel_guard.py
"""

import ctypes
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

try:
    import torch  # noqa: F401  pylint: disable=unused-import
except ImportError:
    torch = None

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SOURCE = """#include <torch/csrc/inductor/cpp_prefix.h>
extern "C"  void  kernel(const float* in_ptr0,
                       float* out_ptr0,
                       const int64_t ks0)
{
    out_ptr0[0] = in_ptr0[0] * ks0;
}
"""


@unittest.skipIf(torch is None, "needs PyTorch")
class KernelGuardTest(unittest.TestCase):

    def test_the_guard_takes_the_kernels_parameters_and_calls_it_with_them(self):
        from planline_inductor import with_guard  # pylint: disable=import-outside-toplevel
        guarded = with_guard("k", SOURCE)
        self.assertTrue(guarded.startswith(SOURCE), "Inductor's source stays as it was")
        self.assertIn('extern "C" const char* planline_guarded(const float* in_ptr0, '
                      'float* out_ptr0, const int64_t ks0) noexcept', guarded)
        self.assertIn("kernel(in_ptr0, out_ptr0, ks0);", guarded)

    def test_only_a_kernel_that_divides_integers_carries_the_exclusive_marker(self):
        from planline_inductor import with_guard  # pylint: disable=import-outside-toplevel
        self.assertNotIn("planline_exclusive", with_guard("k", SOURCE))
        dividing = SOURCE.replace("in_ptr0[0] * ks0", "floor_divide_integral(ks0, ks0)")
        self.assertIn('extern "C" const int planline_exclusive = 1;',
                      with_guard("k", dividing))
        fmod = SOURCE.replace("in_ptr0[0] * ks0", "std::fmod(in_ptr0[0], 2.0f)")
        self.assertNotIn("planline_exclusive", with_guard("k", fmod), "fmod is not mod")

    def test_only_a_kernel_that_checks_indices_carries_the_index_checks_marker(self):
        from planline_inductor import with_guard  # pylint: disable=import-outside-toplevel
        self.assertNotIn("planline_index_checks", with_guard("k", SOURCE))
        checking = SOURCE.replace(
            "    out_ptr0[0]",
            '    TORCH_CHECK((0 <= ks0) & (ks0 < 10L), "index out of bounds: 0 <= ks0 < 10L");\n'
            "    out_ptr0[0]")
        self.assertIn('extern "C" const int planline_index_checks = 1;',
                      with_guard("k", checking))

    @unittest.skipIf(shutil.which("g++") is None or shutil.which("objcopy") is None,
                     "needs g++ and objcopy")
    def test_a_guard_calls_its_own_librarys_kernel_where_another_defines_the_name(self):
        # Inductor's kernel names repeat across models; a loader that opens libraries globally
        # (Python's ctypes with RTLD_GLOBAL, JNA's default) must not bind one library's guard
        # to the kernel of a library opened before it
        from planline_inductor import build_library, GUARDED  # noqa: E501 pylint: disable=import-outside-toplevel
        with tempfile.TemporaryDirectory() as tmp:
            libraries = []
            for factor in (2, 3):
                out = Path(tmp) / f"times{factor}"
                out.mkdir()
                body = SOURCE.replace("in_ptr0[0] * ks0", f"in_ptr0[0] * ks0 * {factor}")
                name, _ = build_library({"cpp_fused_mul_0": body}, str(out), log=lambda _: None,
                                        openmp=False)
                libraries.append(ctypes.CDLL(str(out / name), mode=ctypes.RTLD_GLOBAL))
            for factor, library in zip((2, 3), libraries):
                guarded = getattr(library, "cpp_fused_mul_0" + GUARDED)
                guarded.restype = ctypes.c_char_p
                value, result = ctypes.c_float(1.5), ctypes.c_float(0)
                self.assertIsNone(guarded(ctypes.byref(value), ctypes.byref(result),
                                          ctypes.c_int64(2)))
                self.assertEqual(1.5 * 2 * factor, result.value,
                                 f"the times-{factor} library's guard ran another's kernel")

    def test_a_source_without_the_entry_point_is_an_export_error_naming_the_kernel(self):
        from planline_inductor import with_guard  # pylint: disable=import-outside-toplevel
        from planline_export import ExportError  # pylint: disable=import-outside-toplevel
        with self.assertRaises(ExportError) as caught:
            with_guard("cpp_fused_x_0", "void other(float* p) {}")
        self.assertIn("cpp_fused_x_0", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
