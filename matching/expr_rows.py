"""Declared polars conditions evaluated one row at a time, for pair frames of a few rows.

On the screening desk's few dozen candidate pairs, polars' fixed cost per expression and per
select outweighs the work the comparison levels do. `compile_row` turns a declared expression
(its serialized plan, `Expr.meta.serialize(format="json")`) into a Python function of one row,
so the row path evaluates the very expressions the columnar path hands to polars, not a copy.

Only the node kinds the declarations use are known; any other node (or a form of a known one
this module does not read, e.g. a negative slice offset) raises `Unsupported` when compiling,
and the caller keeps the columnar path for that expression. Values follow polars' rules:
comparisons, string concatenation, slicing and `contains` give null when an input is null;
`&` / `|` / `~` are three-valued (Kleene); `eq_missing` is never null; `fill_null` replaces a
null result. Each compiled expression also records which columns must share a value family
(string, integer, boolean, date), so a frame whose dtypes differ from what the row form reads
faithfully (floats, categoricals, a boolean column that is an integer) stays columnar (`fits`).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

Columns = Mapping[str, Sequence[Any]]
"""A frame's columns as Python lists (null = None), by name."""
RowFn = Callable[[Columns, int], Any]
"""An expression's value on row `i` of `Columns`."""


class Unsupported(ValueError):
    """The expression holds a node the row form does not evaluate: keep the columnar path."""


_FAMILIES: dict[type[pl.DataType], str] = {
    pl.String: "str",
    pl.Boolean: "bool",
    pl.Date: "date",
    **{t: "int" for t in (pl.Int8, pl.Int16, pl.Int32, pl.Int64)},
    **{t: "int" for t in (pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)},
}
"""Dtypes whose Python values compare, concatenate and slice as polars does them."""


def family(dtype: pl.DataType | None) -> str | None:
    """The value family of a column of `dtype`, None for one the row form does not read."""
    return None if dtype is None else _FAMILIES.get(type(dtype))


@dataclass(frozen=True, eq=False)
class RowExpr:
    """A compiled expression: `fn(columns, i)` is its value on row i."""

    fn: RowFn
    name: str
    """The expression's output name (its alias, or its root column)."""
    groups: tuple[tuple[str | None, tuple[str, ...]], ...]
    """Columns that must share one value family, with the family they must be (None: any)."""
    _fit: dict[tuple[Any, ...], bool] = field(default_factory=dict, repr=False)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for _, cols in self.groups for c in cols)

    def fits(self, schema: Mapping[str, pl.DataType]) -> bool:
        """Whether a frame of `schema` holds every column read, each of a family read faithfully."""
        key = tuple(schema.get(c) for c in self.columns)
        found = self._fit.get(key)
        if found is None:
            found = all(self._group_fits(kind, cols, schema) for kind, cols in self.groups)
            if len(self._fit) < 64:
                self._fit[key] = found
        return found

    @staticmethod
    def _group_fits(kind: str | None, cols: tuple[str, ...], schema: Mapping[str, Any]) -> bool:
        found = {family(schema.get(c)) for c in cols}
        return None not in found and len(found) == 1 and (kind is None or found == {kind})


def compile_row(expr: pl.Expr) -> RowExpr:
    """The row form of the boolean condition `expr`; raises `Unsupported` for a node it does not
    know, or for an expression that is not a condition."""
    plan = json.loads(expr.meta.serialize(format="json"))
    typer = _Typer()
    fn, kind = _node(plan, typer)
    typer.unify(kind, "bool")
    return RowExpr(fn, expr.meta.output_name(), typer.groups())


# --- value families: a column's family is only known from the frame, so the compiler records
# which columns must agree with each other or with a literal, and `RowExpr.fits` checks them


class _Typer:
    """Union-find over columns: each set of columns must share one family, maybe a given one."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.kind: dict[str, str] = {}

    def column(self, name: str) -> str:
        self.parent.setdefault(name, name)
        return "col:" + name

    def _root(self, name: str) -> str:
        while self.parent[name] != name:
            name = self.parent[name]
        return name

    def unify(self, a: str, b: str) -> str:
        """The family two operands share (a column's set, or a concrete family)."""
        if not a.startswith("col:") and not b.startswith("col:"):
            if a != b:
                raise Unsupported(f"{a} against {b}")
            return a
        if not a.startswith("col:"):
            a, b = b, a
        ra = self._root(a[4:])
        if b.startswith("col:"):
            rb = self._root(b[4:])
            if ra != rb:
                ka, kb = self.kind.pop(ra, None), self.kind.pop(rb, None)
                if ka and kb and ka != kb:
                    raise Unsupported(f"{ka} against {kb}")
                self.parent[rb] = ra
                if ka or kb:
                    self.kind[ra] = ka or kb or ""
            return "col:" + ra
        known = self.kind.get(ra)
        if known is not None and known != b:
            raise Unsupported(f"{known} against {b}")
        self.kind[ra] = b
        return b

    def groups(self) -> tuple[tuple[str | None, tuple[str, ...]], ...]:
        sets: dict[str, list[str]] = {}
        for name in self.parent:
            sets.setdefault(self._root(name), []).append(name)
        return tuple((self.kind.get(root), tuple(cols)) for root, cols in sets.items())


# --- nodes: each returns (row function, family or a column's set)


def _node(plan: Any, typer: _Typer) -> tuple[RowFn, str]:
    if not isinstance(plan, dict) or len(plan) != 1:
        raise Unsupported(repr(plan)[:80])
    ((kind, body),) = plan.items()
    if kind == "Column" and isinstance(body, str):
        return _column(body), typer.column(body)
    if kind == "Literal":
        value, fam = _literal(body)
        return (lambda c, i: value), fam
    if kind == "Alias":
        return _node(body[0], typer)
    if kind == "BinaryExpr":
        return _binary(body, typer)
    if kind == "Function":
        return _function(body, typer)
    raise Unsupported(kind)


def _column(name: str) -> RowFn:
    return lambda c, i: c[name][i]


def _literal(body: Any) -> tuple[Any, str]:
    if isinstance(body, dict) and len(body) == 1:
        ((kind, value),) = body.items()
        if kind == "Dyn" and isinstance(value, dict) and set(value) == {"Int"}:
            return int(value["Int"]), "int"
        if kind == "Scalar" and isinstance(value, dict) and len(value) == 1:
            ((dtype, v),) = value.items()
            if dtype == "String" and isinstance(v, str):
                return v, "str"
            if dtype == "Boolean" and isinstance(v, bool):
                return v, "bool"
    raise Unsupported(f"literal {json.dumps(body)[:80]}")


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "Eq": operator.eq,
    "NotEq": operator.ne,
    "Lt": operator.lt,
    "LtEq": operator.le,
    "Gt": operator.gt,
    "GtEq": operator.ge,
}


def _binary(body: Any, typer: _Typer) -> tuple[RowFn, str]:
    op = body["op"]
    left, lk = _node(body["left"], typer)
    right, rk = _node(body["right"], typer)
    if op in _COMPARE:
        typer.unify(lk, rk)
        return _compare(_COMPARE[op], left, right), "bool"
    if op in ("EqValidity", "NotEqValidity"):
        typer.unify(lk, rk)
        return _eq_missing(left, right, negate=op == "NotEqValidity"), "bool"
    if op == "And":
        typer.unify(lk, "bool"), typer.unify(rk, "bool")
        return _and(left, right), "bool"
    if op == "Or":
        typer.unify(lk, "bool"), typer.unify(rk, "bool")
        return _or(left, right), "bool"
    if op == "Plus":
        typer.unify(lk, "str"), typer.unify(rk, "str")  # integer addition is not read here
        return _compare(operator.add, left, right), "str"
    raise Unsupported(f"operator {op}")


def _compare(op: Callable[[Any, Any], Any], left: RowFn, right: RowFn) -> RowFn:
    def fn(c: Columns, i: int) -> Any:
        a = left(c, i)
        if a is None:
            return None
        b = right(c, i)
        return None if b is None else op(a, b)

    return fn


def _eq_missing(left: RowFn, right: RowFn, *, negate: bool) -> RowFn:
    def fn(c: Columns, i: int) -> bool:
        a, b = left(c, i), right(c, i)
        same = (a is None and b is None) or (a is not None and b is not None and a == b)
        return not same if negate else same

    return fn


def _and(left: RowFn, right: RowFn) -> RowFn:
    def fn(c: Columns, i: int) -> bool | None:
        a = left(c, i)
        if a is False:
            return False
        b = right(c, i)
        if b is False:
            return False
        return None if a is None or b is None else True

    return fn


def _or(left: RowFn, right: RowFn) -> RowFn:
    def fn(c: Columns, i: int) -> bool | None:
        a = left(c, i)
        if a is True:
            return True
        b = right(c, i)
        if b is True:
            return True
        return None if a is None or b is None else False

    return fn


def _function(body: Any, typer: _Typer) -> tuple[RowFn, str]:
    name, inputs = body["function"], body["input"]
    if name == {"Boolean": "Not"} and len(inputs) == 1:
        x, k = _node(inputs[0], typer)
        typer.unify(k, "bool")
        return (lambda c, i: None if (v := x(c, i)) is None else not v), "bool"
    if name in ({"Boolean": "IsNull"}, {"Boolean": "IsNotNull"}) and len(inputs) == 1:
        x, _ = _node(inputs[0], typer)
        if name == {"Boolean": "IsNull"}:
            return (lambda c, i: x(c, i) is None), "bool"
        return (lambda c, i: x(c, i) is not None), "bool"
    if name == "FillNull" and len(inputs) == 2:
        x, k = _node(inputs[0], typer)
        fill, fk = _node(inputs[1], typer)
        kind = typer.unify(k, fk)
        return (lambda c, i: fill(c, i) if (v := x(c, i)) is None else v), kind
    if name == {"StringExpr": "Slice"} and len(inputs) == 3:
        x, k = _node(inputs[0], typer)
        typer.unify(k, "str")
        start, length = (_literal(n.get("Literal")) for n in inputs[1:])
        if start[1] != "int" or length[1] != "int" or start[0] < 0 or length[0] < 0:
            raise Unsupported("slice other than from a non-negative offset for a length")
        lo, hi = start[0], start[0] + length[0]
        return (lambda c, i: None if (v := x(c, i)) is None else v[lo:hi]), "str"
    if name == {"StringExpr": {"Contains": {"literal": True, "strict": False}}}:
        x, k = _node(inputs[0], typer)
        pat, pk = _node(inputs[1], typer)
        typer.unify(k, "str"), typer.unify(pk, "str")
        return _compare(lambda s, p: p in s, x, pat), "bool"
    raise Unsupported(f"function {json.dumps(name)[:80]}")
