"""Tests of the exporter's and checker's torch-free parts: python3 -m unittest discover tools/tests"""

import json
import random
import struct
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import sympy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import check_program  # noqa: E402
from planline_symbolic import UnsupportedExpression, print_expr, rename_symbols  # noqa: E402

S0, S1 = sympy.symbols("s0 s1", integer=True, positive=True)


class FloorDiv(sympy.Function):
    """Stand-in for torch.utils._sympy.functions.FloorDiv (matched by class name)."""


class PrintExprTest(unittest.TestCase):
    def test_print_expr_simpleForms_matchGrammar(self):
        self.assertEqual(print_expr(64), "64")
        self.assertEqual(print_expr(S0), "s0")
        self.assertEqual(print_expr(128 * S0), "128*s0")
        self.assertEqual(print_expr(S0 * S1 * 128), "128*s0*s1")
        self.assertEqual(print_expr(S1 ** 2 * 4), "4*s1*s1")

    def test_print_expr_roundTrip_evaluatesLikeSympy(self):
        rng = random.Random(7)
        for _ in range(300):
            expr = sympy.Integer(rng.randint(0, 9))
            for _ in range(rng.randint(1, 5)):
                term = rng.choice([S0, S1, sympy.Integer(rng.randint(1, 50))])
                op = rng.choice(["+", "-", "*", "//"])
                if op == "+":
                    expr = expr + term
                elif op == "-":
                    expr = expr - term
                elif op == "*":
                    expr = expr * term
                else:
                    expr = FloorDiv(expr, rng.randint(1, 7))
            env = {"s0": rng.randint(1, 40), "s1": rng.randint(1, 40)}
            text = print_expr(expr)
            expected = _eval_sympy(expr, env)
            self.assertEqual(check_program.evaluate(text, env), expected, f"{expr} -> {text}")

    def test_print_expr_unsupported_raises(self):
        for bad in (sympy.Rational(1, 2) * S0, sympy.Min(S0, 64), sympy.Mod(S0, 3), S0 ** -1):
            with self.assertRaises(UnsupportedExpression):
                print_expr(bad)

    def test_rename_symbols_swap_isSimultaneous(self):
        a, b = sympy.symbols("s1 s0", integer=True, positive=True)
        renamed = rename_symbols(2 * a + b, {a: "s0", b: "s1"})
        self.assertEqual(print_expr(renamed), "2*s0 + s1")

    def test_rename_symbols_unknownSymbol_raises(self):
        with self.assertRaises(UnsupportedExpression):
            rename_symbols(sympy.Symbol("u0") + 1, {S0: "s0"})


def _eval_sympy(expr, env):
    def walk(e):
        if isinstance(e, FloorDiv):
            return walk(e.args[0]) // walk(e.args[1])
        if e.is_Integer:
            return int(e)
        if e.is_Symbol:
            return env[e.name]
        if e.is_Add:
            return sum(walk(a) for a in e.args)
        if e.is_Mul:
            out = 1
            for a in e.args:
                out *= walk(a)
            return out
        if e.is_Pow:
            return walk(e.args[0]) ** int(e.args[1])
        raise AssertionError(e)
    return walk(expr)


class CheckerPureTest(unittest.TestCase):
    def test_evaluate_outsideGrammar_raises(self):
        for bad in ("s0 / 2", "s0 ** 2", "abs(s0)", "s0 % 3", "1.5", "x"):
            with self.assertRaises((check_program.ProgramError, SyntaxError)):
                check_program.evaluate(bad, {"s0": 3})

    def test_split_list_nested_splitsTopLevelOnly(self):
        self.assertEqual(check_program.split_list("[a, [b, c], (s0 + 1)*2]"),
                         ["a", "[b, c]", "(s0 + 1)*2"])
        self.assertEqual(check_program.split_list("[]"), [])

    def test_read_safetensors_roundTrip_andBadOffsets(self):
        a = np.arange(6, dtype=np.float32).reshape(2, 3)
        b = np.array([5, -1], dtype=np.int64)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "w.safetensors"
            path.write_bytes(_safetensors({"a": a, "b": b}))
            read = check_program.read_safetensors(path)
            np.testing.assert_array_equal(read["a"], a)
            np.testing.assert_array_equal(read["b"], b)
            path.write_bytes(_safetensors({"a": a, "b": b}, corrupt=True))
            with self.assertRaises(check_program.ProgramError):
                check_program.read_safetensors(path)

    def test_relative_error_nan_isInfinite(self):
        self.assertEqual(check_program.relative_error([np.nan, 1.0], [1.0, 1.0]), float("inf"))
        self.assertAlmostEqual(check_program.relative_error([1.0, 2.1], [1.0, 2.0]), 0.05)


def _safetensors(arrays, corrupt=False):
    header, blobs, offset = {}, [], 0
    codes = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}
    for key, arr in arrays.items():
        data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        end = offset + len(data) - (4 if corrupt else 0)
        header[key] = {"dtype": codes[arr.dtype], "shape": list(arr.shape),
                       "data_offsets": [offset, end]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    return struct.pack("<Q", len(raw)) + raw + b"".join(blobs)


if __name__ == "__main__":
    unittest.main()
