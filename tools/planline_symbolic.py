"""Print sympy size expressions in the planline program grammar.

The grammar (docs/model-format.md, "Expressions") is deliberately tiny so that a Java reader can
evaluate it with a few lines of recursive descent: integer literals, symbol names, the binary
operators ``+ - * //`` and parentheses. This module turns the sympy expressions that PyTorch's
symbolic shapes carry into that grammar, and refuses anything the grammar cannot say (``Mod``,
``Min``, rationals, ...) instead of printing something a reader would misread.

It needs only sympy, so it can be tested on machines without PyTorch.
"""

from __future__ import annotations

import sympy

__all__ = ["UnsupportedExpression", "print_expr", "rename_symbols"]


class UnsupportedExpression(ValueError):
    """An expression that the program grammar cannot represent."""


def rename_symbols(expr, mapping):
    """Replace symbols simultaneously (``{old_symbol: new_name}``), so swaps cannot collide."""
    if isinstance(expr, int):
        return sympy.Integer(expr)
    expr = sympy.sympify(expr)
    table = {}
    for sym in expr.free_symbols:
        if sym not in mapping:
            raise UnsupportedExpression(
                f"expression {expr} uses symbol {sym}, which is not an input dimension "
                f"(known: {sorted(str(s) for s in mapping)})")
        table[sym] = sympy.Symbol(mapping[sym], integer=True, positive=True)
    return expr.xreplace(table)


def print_expr(expr) -> str:
    """Return ``expr`` (int or sympy expression) as program-grammar text."""
    if isinstance(expr, bool):
        raise UnsupportedExpression(f"boolean {expr} is not a size expression")
    if isinstance(expr, int):
        return str(expr)
    expr = sympy.sympify(expr)
    return _print(sympy.expand(expr) if _expandable(expr) else expr)


def _expandable(expr) -> bool:
    # Floor division must not be expanded across: (a+b)//c != a//c + b//c.
    return not any(_is_floordiv(e) for e in sympy.preorder_traversal(expr))


def _is_floordiv(e) -> bool:
    return type(e).__name__ in ("FloorDiv", "CleanDiv", "IntTrueDiv") or isinstance(e, sympy.floor)


def _print(e) -> str:
    if e.is_Integer:
        return str(int(e))
    if e.is_Number:
        raise UnsupportedExpression(f"non-integer constant {e} in a size expression")
    if e.is_Symbol:
        return e.name
    name = type(e).__name__
    if name in ("FloorDiv", "CleanDiv"):
        base, divisor = e.args
        return f"{_atom(base)}//{_atom(divisor)}"
    if isinstance(e, sympy.floor):
        (arg,) = e.args
        num, den = sympy.fraction(sympy.together(arg))
        if den == 1:
            return _print(num)
        return f"{_atom(num)}//{_atom(den)}"
    if e.is_Add:
        return _print_add(e)
    if e.is_Mul:
        return _print_mul(e)
    if e.is_Pow:
        base, exp = e.args
        if exp.is_Integer and int(exp) >= 1:
            return "*".join([_atom(base)] * int(exp))
        raise UnsupportedExpression(f"power {e} is not a size expression")
    raise UnsupportedExpression(f"{name} in {e} has no form in the program grammar")


def _print_add(e) -> str:
    positive, negative = [], []
    for term in e.as_ordered_terms():
        coeff, _ = term.as_coeff_Mul()
        (negative if coeff < 0 else positive).append(term)
    if not positive:
        # Keep the grammar's operators binary: write 0 - a - b rather than a unary minus.
        text = "0"
    else:
        text = " + ".join(_print(t) for t in positive)
    for term in negative:
        text += " - " + _term(-term)
    return text


def _term(e) -> str:
    """A term on the right of a binary minus: sums need parentheses there."""
    return f"({_print(e)})" if e.is_Add else _print(e)


def _print_mul(e) -> str:
    coeff, rest = e.as_coeff_Mul()
    if not coeff.is_Integer:
        raise UnsupportedExpression(f"non-integer coefficient {coeff} in {e}")
    factors = list(rest.as_ordered_factors()) if rest.is_Mul else [rest]
    parts = [_atom(f) for f in factors]
    if coeff == -1:
        return "0 - " + "*".join(parts)
    if coeff != 1:
        if coeff < 0:
            return "0 - " + "*".join([str(-int(coeff))] + parts)
        parts.insert(0, str(int(coeff)))
    return "*".join(parts)


def _atom(e) -> str:
    """``e`` printed so it can stand as an operand of * or //."""
    text = _print(e)
    if e.is_Add or (e.is_Mul and text.startswith("0 - ")) or _is_floordiv(e) \
            or (e.is_Integer and int(e) < 0):
        return f"({text})"
    return text
