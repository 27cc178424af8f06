"""Declared polars conditions evaluated one row at a time, for pair frames of a few rows.

On the screening desk's few dozen candidate pairs, polars' fixed cost per expression and per
select outweighs the work the comparison levels do. `compile_row` turns a declared expression
(its serialized plan, `Expr.meta.serialize(format="json")`) into a Python function of one row,
and `compile_chain` a comparison's ordered conditions into one function giving each row the
value of the first that holds, so the row path evaluates the very expressions the columnar path
hands to polars, not a copy. Both are Python source generated from the plan (one expression per
condition, no call per node: a closure per node made the whole row path twice as slow at 20+
pairs); the source only ever holds `repr`s of the plan's column names and literals.

Only the node kinds the declarations use are known; any other node (or a form of a known one
this module does not read, e.g. a negative slice offset) raises `Unsupported` when compiling,
and the caller keeps the columnar path for that expression. Values follow polars' rules:
comparisons, string concatenation, slicing and `contains` give null when an input is null;
`&` / `|` / `~` are three-valued (Kleene); `eq_missing` is never null; `fill_null` replaces a
null result; `is_in` over a literal list is null for a null value. Each compiled expression
also records which columns must share a value family (string, integer, boolean, date, float),
so a frame whose dtypes differ from what the row form reads faithfully (categoricals, a boolean
column that is an integer) stays columnar (`fits`). A float column is read only where it meets a
float literal: there NaN takes polars' total order (above every number, equal to itself), which
Python's comparisons do not follow, so the generated comparison says it explicitly.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
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
    pl.Float64: "float",
    **{t: "int" for t in (pl.Int8, pl.Int16, pl.Int32, pl.Int64)},
    **{t: "int" for t in (pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)},
}
"""Dtypes whose Python values compare, concatenate and slice as polars does them."""


def family(dtype: pl.DataType | None) -> str | None:
    """The value family of a column of `dtype`, None for one the row form does not read."""
    return None if dtype is None else _FAMILIES.get(type(dtype))


Families = Mapping[str, str | None]
"""Each column's value family by name (`families`)."""


def families(frame: pl.DataFrame) -> dict[str, str | None]:
    """The value family of each of `frame`'s columns (cheaper than its `schema`)."""
    return dict(zip(frame.columns, map(family, frame.dtypes), strict=True))


@dataclass(frozen=True, eq=False)
class RowExpr:
    """A compiled condition: `fn(columns, i)` is its value on row i (True, False or None)."""

    fn: RowFn
    source: str
    """`fn`'s body: one Python expression, reading row `i` of columns bound by `_Source`."""
    name: str
    """The expression's output name (its alias, or its root column)."""
    groups: tuple[tuple[str | None, tuple[str, ...]], ...]
    """Columns that must share one value family, with the family they must be (None: any)."""

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for _, cols in self.groups for c in cols)

    def fits(self, found: Families) -> bool:
        """Whether a frame of these column families holds every column read, each of a family
        read faithfully."""
        for kind, cols in self.groups:
            fams = {found.get(c) for c in cols}
            if None in fams or len(fams) != 1 or (kind is not None and kind not in fams):
                return False
            if kind is None and "float" in fams:  # no float literal: compared as Python does
                return False
        return True


def compile_row(expr: pl.Expr) -> RowExpr:
    """The row form of the boolean condition `expr`; raises `Unsupported` for a node it does not
    know, or for an expression that is not a condition."""
    src = _Source()
    compiled = _condition(expr, src)
    fn = src.function("_row", ["cols", "i"], [f"return {compiled.source}"], {})
    return RowExpr(fn, compiled.source, compiled.name, compiled.groups)


Chained = pl.Expr | Callable[[Columns, int], Any] | None
"""A condition of a chain: a declared expression, a Python test of row i, or None (every row)."""


@dataclass(frozen=True, eq=False)
class RowChain:
    """Ordered conditions compiled together: `fn(columns, n)` gives each of the n rows the value
    of the first condition that is true on it (a null condition does not hold), None for none."""

    fn: Callable[[Columns, int], list[Any]]
    conditions: tuple[RowExpr, ...]
    """The declared expressions among the conditions (`RowExpr.fits` tells which frames)."""


def compile_chain(steps: Sequence[tuple[Chained, Any]]) -> RowChain:
    """`steps` as (condition, value) compiled into one function; values must be literals."""
    src = _Source()
    conditions: list[RowExpr] = []
    body = ["out = [None] * n", "for i in range(n):"]
    tests: dict[str, Any] = {}
    for cond, value in steps:
        if not (value is None or type(value) in (bool, int, str)):
            raise Unsupported(f"value {value!r}")
        if cond is None:
            body.append(f"    out[i] = {value!r}")
            break
        if isinstance(cond, pl.Expr):
            compiled = _condition(cond, src)
            conditions.append(compiled)
            test = compiled.source
            if _is_literal(test):  # a constant condition: every row, or none
                if test == "True":
                    body.append(f"    out[i] = {value!r}")
                    break
                continue
        else:
            name = f"_k{len(tests)}"
            tests[name] = cond
            test = f"{name}(cols, i)"
        body += [f"    if {test} is True:", f"        out[i] = {value!r}", "        continue"]
    fn = src.function("_chain", ["cols", "n"], [*body, "return out"], tests)
    return RowChain(fn, tuple(conditions))


def _condition(expr: pl.Expr, src: _Source) -> RowExpr:
    plan = json.loads(expr.meta.serialize(format="json"))
    typer = _Typer()
    code, kind = _node(plan, typer, src)
    typer.unify(kind, "bool")
    typer.check_plain()
    return RowExpr(_unbound, code, expr.meta.output_name(), typer.groups())


def _unbound(cols: Columns, i: int) -> Any:
    raise TypeError("a condition compiled within a chain has no function of its own")


class _Source:
    """Generated code: each column read is bound to a local once per call, temporaries numbered."""

    def __init__(self) -> None:
        self.columns: dict[str, str] = {}
        self.temps = 0

    def column(self, name: str) -> str:
        return self.columns.setdefault(name, f"_c{len(self.columns)}")

    def temp(self) -> str:
        self.temps += 1
        return f"_t{self.temps}"

    def function(
        self, name: str, args: list[str], body: list[str], names: dict[str, Any]
    ) -> Callable[..., Any]:
        binds = [f"{var} = cols[{col!r}]" for col, var in self.columns.items()]
        lines = [f"def {name}({', '.join(args)}):", *(f"    {ln}" for ln in binds + body)]
        namespace = dict(names)
        exec(compile("\n".join(lines), f"<row form {name}>", "exec"), namespace)  # noqa: S102
        fn: Callable[..., Any] = namespace[name]
        return fn


# --- value families: a column's family is only known from the frame, so the compiler records
# which columns must agree with each other or with a literal, and `RowExpr.fits` checks them


class _Typer:
    """Union-find over columns: each set of columns must share one family, maybe a given one."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.kind: dict[str, str] = {}
        self.plain: list[str] = []
        """Columns compared with Python's operators alone (no float literal fixed their family
        then): they must not turn out to be floats (NaN)."""

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

    def plain_column(self, kind: str) -> None:
        if kind.startswith("col:"):
            self.plain.append(kind[4:])

    def check_plain(self) -> None:
        for name in self.plain:
            if self.kind.get(self._root(name)) == "float":
                raise Unsupported(f"{name} compared as a float without a float literal")

    def groups(self) -> tuple[tuple[str | None, tuple[str, ...]], ...]:
        sets: dict[str, list[str]] = {}
        for name in self.parent:
            sets.setdefault(self._root(name), []).append(name)
        return tuple((self.kind.get(root), tuple(cols)) for root, cols in sets.items())


# --- nodes: each returns (Python expression, family or a column's set)


def _node(plan: Any, typer: _Typer, src: _Source) -> tuple[str, str]:
    if not isinstance(plan, dict) or len(plan) != 1:
        raise Unsupported(repr(plan)[:80])
    ((kind, body),) = plan.items()
    if kind == "Column" and isinstance(body, str):
        return f"{src.column(body)}[i]", typer.column(body)
    if kind == "Literal":
        value, fam = _literal(body)
        return repr(value), fam
    if kind == "Alias":
        return _node(body[0], typer, src)
    if kind == "BinaryExpr":
        return _binary(body, typer, src)
    if kind == "Function":
        return _function(body, typer, src)
    raise Unsupported(kind)


def _literal(body: Any) -> tuple[Any, str]:
    if isinstance(body, dict) and len(body) == 1:
        ((kind, value),) = body.items()
        if kind == "Dyn" and isinstance(value, dict) and set(value) == {"Int"}:
            if type(value["Int"]) is int:
                return value["Int"], "int"
        if kind == "Scalar" and isinstance(value, dict) and len(value) == 1:
            ((dtype, v),) = value.items()
            if dtype == "String" and isinstance(v, str):
                return v, "str"
            if dtype == "Boolean" and isinstance(v, bool):
                return v, "bool"
            if dtype == "Float64" and type(v) is float and math.isfinite(v):
                return v, "float"
        if kind == "Dyn" and isinstance(value, dict) and set(value) == {"Float"}:
            v = value["Float"]
            if type(v) is float and math.isfinite(v):  # `repr` gives it back exactly
                return v, "float"
    raise Unsupported(f"literal {json.dumps(body)[:80]}")


_COMPARE = {"Eq": "==", "NotEq": "!=", "Lt": "<", "LtEq": "<=", "Gt": ">", "GtEq": ">="}


def _binary(body: Any, typer: _Typer, src: _Source) -> tuple[str, str]:
    op = body["op"]
    left, lk = _node(body["left"], typer, src)
    right, rk = _node(body["right"], typer, src)
    if op in _COMPARE:
        kind = typer.unify(lk, rk)
        if kind == "float":
            return _float_compare(left, right, op, src), "bool"
        typer.plain_column(kind)
        return _strict(left, right, f"{{a}} {_COMPARE[op]} {{b}}", src), "bool"
    if op in ("EqValidity", "NotEqValidity"):
        kind = typer.unify(lk, rk)
        if kind == "float":
            raise Unsupported("eq_missing of floats")
        typer.plain_column(kind)
        a, b = src.temp(), src.temp()
        same = (
            f"((({a} := {left}), ({b} := {right})) and "
            f"(({a} is None and {b} is None) or "
            f"({a} is not None and {b} is not None and {a} == {b})))"
        )
        return (same if op == "EqValidity" else f"(not {same})"), "bool"
    if op in ("And", "Or"):
        typer.unify(lk, "bool"), typer.unify(rk, "bool")
        # Kleene: one false operand makes `&` false (one true makes `|` true) even if the
        # other is null; otherwise a null operand makes the result null
        a, b = src.temp(), src.temp()
        wins, other = ("False", "True") if op == "And" else ("True", "False")
        return (
            f"({wins} if ({a} := {left}) is {wins} else ({wins} if ({b} := {right}) is {wins} "
            f"else (None if {a} is None or {b} is None else {other})))"
        ), "bool"
    if op == "Plus":
        typer.unify(lk, "str"), typer.unify(rk, "str")  # integer addition is not read here
        return _strict(left, right, "{a} + {b}", src), "str"
    raise Unsupported(f"operator {op}")


_NAN_IS = {  # polars' total order: NaN above every number, equal to NaN (never met here)
    "Eq": (False, False),
    "NotEq": (True, True),
    "Lt": (False, True),
    "LtEq": (False, True),
    "Gt": (True, False),
    "GtEq": (True, False),
}
"""A comparison's value when its left (first) or right (second) operand alone is NaN."""


def _float_compare(left: str, right: str, op: str, src: _Source) -> str:
    """A float column against a float literal (the only float comparison compiled)."""
    if _is_literal(left) == _is_literal(right):
        raise Unsupported("floats compared other than a column against a literal")
    flip = _is_literal(left)
    column, literal = (right, left) if flip else (left, right)
    nan = _NAN_IS[op][1 if flip else 0]
    a = src.temp()
    cmp = f"{literal} {_COMPARE[op]} {a}" if flip else f"{a} {_COMPARE[op]} {literal}"
    return f"(None if ({a} := {column}) is None else ({nan!r} if {a} != {a} else {cmp}))"


def _strict(left: str, right: str, fmt: str, src: _Source) -> str:
    """`fmt` of the two operands, null when either is (a literal operand is never null)."""
    a = src.temp()
    if _is_literal(right):
        return f"(None if ({a} := {left}) is None else {fmt.format(a=a, b=right)})"
    b = src.temp()
    return (
        f"(None if ({a} := {left}) is None or ({b} := {right}) is None else {fmt.format(a=a, b=b)})"
    )


def _is_literal(code: str) -> bool:
    """Whether generated code is a literal's `repr`: every other node's code is parenthesised
    or reads a column (`_c<k>[i]`)."""
    return not code.startswith("(") and not code.startswith("_c")


def _function(body: Any, typer: _Typer, src: _Source) -> tuple[str, str]:
    name, inputs = body["function"], body["input"]
    if name == {"Boolean": "Not"} and len(inputs) == 1:
        x, k = _node(inputs[0], typer, src)
        typer.unify(k, "bool")
        t = src.temp()
        return f"(None if ({t} := {x}) is None else not {t})", "bool"
    if name in ({"Boolean": "IsNull"}, {"Boolean": "IsNotNull"}) and len(inputs) == 1:
        x, _ = _node(inputs[0], typer, src)
        null = name == {"Boolean": "IsNull"}
        if _is_literal(x):  # a literal is never null (and `'a' is None` is a SyntaxWarning)
            return repr(not null), "bool"
        return f"({x} is {'' if null else 'not '}None)", "bool"
    if name == "FillNull" and len(inputs) == 2:
        x, k = _node(inputs[0], typer, src)
        fill, fk = _node(inputs[1], typer, src)
        kind = typer.unify(k, fk)
        t = src.temp()
        return f"({fill} if ({t} := {x}) is None else {t})", kind
    if name == {"StringExpr": "Slice"} and len(inputs) == 3:
        x, k = _node(inputs[0], typer, src)
        typer.unify(k, "str")
        start, length = (
            _literal(n.get("Literal") if isinstance(n, dict) else n) for n in inputs[1:]
        )
        if start[1] != "int" or length[1] != "int" or start[0] < 0 or length[0] < 0:
            raise Unsupported("slice other than from a non-negative offset for a length")
        t = src.temp()
        lo, hi = start[0], start[0] + length[0]  # both count characters, as polars' do
        return f"(None if ({t} := {x}) is None else {t}[{lo}:{hi}])", "str"
    if name == {"StringExpr": {"Contains": {"literal": True, "strict": False}}}:
        x, k = _node(inputs[0], typer, src)
        pat, pk = _node(inputs[1], typer, src)
        typer.unify(k, "str"), typer.unify(pk, "str")
        return _strict(x, pat, "{b} in {a}", src), "bool"
    if name == {"Boolean": {"IsIn": {"nulls_equal": False}}} and len(inputs) == 2:
        x, k = _node(inputs[0], typer, src)
        values, vk = _literal_list(inputs[1])
        if vk is not None:  # a list of nulls only (or none) holds no value of any family
            typer.unify(k, vk)
        t = src.temp()
        # a set display of constants compiles to one frozenset constant, not a set per row
        members = "{" + ", ".join(map(repr, values)) + "}" if values else "()"
        return f"(None if ({t} := {x}) is None else {t} in {members})", "bool"
    raise Unsupported(f"function {json.dumps(name)[:80]}")


def _literal_list(node: Any) -> tuple[list[Any], str | None]:
    """The values of a literal list (a serialized Series, as `is_in` holds it), nulls dropped
    (a value never equals a null there), and their family: integers or strings."""
    try:
        data = node["Literal"]["Scalar"]["List"]
        values = pl.read_ipc_stream(io.BytesIO(bytes(data))).to_series()
    except (KeyError, TypeError, ValueError, pl.exceptions.PolarsError) as exc:
        raise Unsupported(f"list literal {json.dumps(node)[:80]}") from exc
    if values.dtype == pl.Null:
        return [], None
    kind = family(values.dtype)
    if kind not in ("int", "str"):
        raise Unsupported(f"list of {values.dtype}")
    return sorted(set(values.drop_nulls().to_list())), kind
