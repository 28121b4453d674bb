"""A SOQL subset: parse a query, then run it over rows that an `SObjectType` supplies.

Served subset (what the sf CLI, jsforce and sfconnect send)::

    SELECT field, Rel.field, ... | COUNT() | COUNT(field)
    FROM Object
    [WHERE cond]        cond: field (= | != | <> | < | <= | > | >= ) literal | field [NOT] IN (literal, ...)
                              | field [NOT] LIKE 'pattern' | cond AND cond | cond OR cond | NOT cond | (cond)
    [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], ...]
    [LIMIT n] [OFFSET n]

Literals: 'strings' (backslash escapes), numbers, TRUE, FALSE, NULL. String comparisons ignore case, as in
Salesforce. Errors are Salesforce's: `MALFORMED_QUERY` for syntax, `INVALID_FIELD` for an unknown field,
`INVALID_TYPE` for an unknown object, each as HTTP 400 with the query, a caret and the row and column.

Objects are registered in an `SObjectRegistry` (one for the REST API, one for the Tooling API): an object
is its fields and a function that lists its rows, so a new object is one `register` call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeAlias, TypeVar

from sfconnect.localorg._exceptions import RestError

__all__ = [
    "Query",
    "SField",
    "SObjectRegistry",
    "SObjectType",
    "parse",
    "run",
]

C = TypeVar("C")
T = TypeVar("T")
Row: TypeAlias = dict[str, Any]


# objects ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SField:
    """One field of an sObject.

    `type` is the describe type (`id`, `string`, `boolean`, `reference`, `picklist`, `datetime`, `date`,
    `int`, `email`, `textarea`). A `reference` names the object it points to and its relationship name
    (`ProfileId` -> `Profile`), so `Profile.Name` can be selected.
    """

    name: str
    type: str = "string"
    reference_to: str | None = None
    relationship: str | None = None


@dataclass(frozen=True)
class SObjectType(Generic[C]):
    """An object the query endpoint serves: its fields and how to list its rows from a context (the org)."""

    name: str
    key_prefix: str | None
    fields: tuple[SField, ...]
    rows: Callable[[C], Iterable[Row]]

    def field(self, name: str) -> SField | None:
        """A field by name, ignoring case."""
        lowered = name.lower()
        return next((f for f in self.fields if f.name.lower() == lowered), None)

    def relationship(self, name: str) -> SField | None:
        """The reference field whose relationship name is `name`, ignoring case."""
        lowered = name.lower()
        return next((f for f in self.fields if f.relationship and f.relationship.lower() == lowered), None)


class SObjectRegistry(Generic[C]):
    """The objects one API serves (`DATA` for `/query`, `TOOLING` for `/tooling/query`)."""

    def __init__(self) -> None:
        self._objects: dict[str, SObjectType[C]] = {}

    def register(self, obj: SObjectType[C]) -> SObjectType[C]:
        """Add (or replace) an object; returns it."""
        self._objects[obj.name.lower()] = obj
        return obj

    def get(self, name: str) -> SObjectType[C] | None:
        """An object by name, ignoring case."""
        return self._objects.get(name.lower())

    def names(self) -> list[str]:
        """The registered objects' names."""
        return sorted(o.name for o in self._objects.values())


# syntax tree --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldRef:
    """A (possibly dotted) field path as written, and where it starts in the query."""

    path: tuple[str, ...]
    pos: int


@dataclass(frozen=True)
class Compare:
    """`field op value`; `value` is a literal, or a tuple of literals for IN / NOT IN."""

    field: FieldRef
    op: str
    value: Any


@dataclass(frozen=True)
class Logical:
    """`AND` / `OR` of two or more conditions, or `NOT` of one."""

    op: str
    parts: tuple[Condition, ...]


Condition: TypeAlias = Compare | Logical


@dataclass(frozen=True)
class OrderItem:
    """One `ORDER BY` item."""

    field: FieldRef
    descending: bool
    nulls_last: bool


@dataclass(frozen=True)
class Query:
    """A parsed query."""

    text: str
    fields: tuple[FieldRef, ...]
    count: bool
    """`SELECT COUNT()`: only `totalSize` is answered."""
    count_field: FieldRef | None
    """`SELECT COUNT(field)`: one AggregateResult row with `expr0`."""
    sobject: str
    sobject_pos: int
    where: Condition | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int = 0
    aggregate: bool = field(default=False)
    start: int = 0
    """Where the SELECT starts in `text` (a semi-join's subquery starts inside it)."""


# tokens ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Token:
    kind: str  # ident, string, number, op, punct, eof
    text: str
    pos: int
    value: Any = None


_TOKEN_RE = re.compile(
    r"""(?P<ws>\s+)
      | (?P<string>'(?:[^'\\]|\\.)*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
      | (?P<op><=|>=|!=|<>|=|<|>)
      | (?P<punct>[(),])
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_KEYWORDS = {
    "select",
    "from",
    "where",
    "and",
    "or",
    "not",
    "in",
    "like",
    "order",
    "by",
    "asc",
    "desc",
    "nulls",
    "first",
    "last",
    "limit",
    "offset",
    "true",
    "false",
    "null",
    "count",
}


def _caret(text: str, pos: int, message: str) -> str:
    """Salesforce's error text: the query, a caret under the position, the row and column, the message."""
    line_start = text.rfind("\n", 0, pos) + 1
    row = text.count("\n", 0, pos) + 1
    column = pos - line_start + 1
    line_end = text.find("\n", pos)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    return f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{message}"


def malformed(text: str, pos: int, message: str) -> RestError:
    """A `MALFORMED_QUERY` error at `pos`."""
    return RestError("MALFORMED_QUERY", _caret(text, pos, message))


def _unescape(raw: str, text: str, pos: int) -> str:
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            if nxt in "%_":  # LIKE escapes stay escaped for the pattern
                out.append("\\" + nxt)
            elif nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
            else:
                raise malformed(
                    text, pos + i, f"Invalid string literal '{raw}'. Illegal character sequence '\\{nxt}'"
                )
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def tokenize(text: str) -> list[Token]:
    """Split a query into tokens.

    Raises:
        RestError: `MALFORMED_QUERY` at the first character no token starts with.
    """
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise malformed(text, pos, f"unexpected token: '{text[pos]}'")
        kind = m.lastgroup or ""
        raw = m.group(0)
        if kind == "string":
            tokens.append(Token("string", raw, pos, _unescape(raw[1:-1], text, pos + 1)))
        elif kind == "number":
            tokens.append(Token("number", raw, pos, float(raw) if "." in raw else int(raw)))
        elif kind != "ws":
            tokens.append(Token(kind, raw, pos))
        pos = m.end()
    tokens.append(Token("eof", "<EOF>", len(text)))
    return tokens


# parser ----------------------------------------------------------------------------------------------
class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        tok = self.tokens[self.i]
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def error(self, tok: Token | None = None) -> RestError:
        tok = tok or self.tok
        return malformed(self.text, tok.pos, f"unexpected token: {tok.text}")

    def is_kw(self, *words: str) -> bool:
        return self.tok.kind == "ident" and self.tok.text.lower() in words

    def expect_kw(self, word: str) -> Token:
        if not self.is_kw(word):
            raise self.error()
        return self.next()

    def expect_punct(self, text: str) -> Token:
        if self.tok.kind != "punct" or self.tok.text != text:
            raise self.error()
        return self.next()

    def field_ref(self) -> FieldRef:
        tok = self.tok
        if tok.kind != "ident" or tok.text.lower() in _KEYWORDS - {"first", "last", "count"}:
            raise self.error()
        self.next()
        return FieldRef(tuple(tok.text.split(".")), tok.pos)

    def parse(self) -> Query:
        query = self.select()
        if self.tok.kind != "eof":
            raise self.error()
        return query

    def select(self) -> Query:
        start = self.tok.pos
        self.expect_kw("select")
        fields: list[FieldRef] = []
        count = False
        count_field: FieldRef | None = None
        if (
            self.is_kw("count")
            and self.tokens[self.i + 1].kind == "punct"
            and self.tokens[self.i + 1].text == "("
        ):
            self.next()
            self.next()
            if self.tok.kind == "punct" and self.tok.text == ")":
                count = True
            else:
                count_field = self.field_ref()
            self.expect_punct(")")
        else:
            fields = self.comma_list(self.field_ref)
        self.expect_kw("from")
        obj = self.tok
        if obj.kind != "ident" or "." in obj.text or obj.text.lower() in _KEYWORDS:
            raise self.error()
        self.next()
        where: Condition | None = None
        order: list[OrderItem] = []
        limit: int | None = None
        offset = 0
        if self.is_kw("where"):
            self.next()
            where = self.condition()
        if self.is_kw("order"):
            self.next()
            self.expect_kw("by")
            order = self.comma_list(self.order_item)
        if self.is_kw("limit"):
            self.next()
            limit = self.count_literal()
        if self.is_kw("offset"):
            self.next()
            offset = self.count_literal()
        return Query(
            self.text,
            tuple(fields),
            count,
            count_field,
            obj.text,
            obj.pos,
            where,
            tuple(order),
            limit,
            offset,
            aggregate=count_field is not None,
            start=start,
        )

    def count_literal(self) -> int:
        tok = self.next()
        if tok.kind != "number" or not isinstance(tok.value, int) or tok.value < 0:
            raise self.error(tok)
        return int(tok.value)

    def order_item(self) -> OrderItem:
        ref = self.field_ref()
        descending = False
        if self.is_kw("asc", "desc"):
            descending = self.next().text.lower() == "desc"
        nulls_last = descending
        if self.is_kw("nulls"):
            self.next()
            if not self.is_kw("first", "last"):
                raise self.error()
            nulls_last = self.next().text.lower() == "last"
        return OrderItem(ref, descending, nulls_last)

    def comma_list(self, item: Callable[[], T]) -> list[T]:
        """One or more items separated by commas."""
        items = [item()]
        while self.tok.kind == "punct" and self.tok.text == ",":
            self.next()
            items.append(item())
        return items

    def joined(self, word: str, operand: Callable[[], Condition]) -> Condition:
        """One or more operands joined by `word` (AND, OR): the operand itself when alone."""
        parts = [operand()]
        while self.is_kw(word):
            self.next()
            parts.append(operand())
        return parts[0] if len(parts) == 1 else Logical(word.upper(), tuple(parts))

    def condition(self) -> Condition:
        return self.joined("or", self.conjunction)

    def conjunction(self) -> Condition:
        return self.joined("and", self.factor)

    def factor(self) -> Condition:
        if self.is_kw("not"):
            self.next()
            return Logical("NOT", (self.factor(),))
        if self.tok.kind == "punct" and self.tok.text == "(":
            self.next()
            inner = self.condition()
            self.expect_punct(")")
            return inner
        ref = self.field_ref()
        if self.tok.kind == "op":
            op = self.next().text
            return Compare(ref, "!=" if op == "<>" else op, self.literal())
        negated = False
        if self.is_kw("not"):
            self.next()
            negated = True
        if self.is_kw("in"):
            self.next()
            self.expect_punct("(")
            if self.is_kw("select"):
                sub = self.select()
                self.expect_punct(")")
                if len(sub.fields) != 1 or sub.count or sub.count_field is not None:
                    raise malformed(self.text, sub.start, "a semi-join subquery selects exactly one field")
                return Compare(ref, "NOT IN" if negated else "IN", sub)
            values = self.comma_list(self.literal)
            self.expect_punct(")")
            return Compare(ref, "NOT IN" if negated else "IN", tuple(values))
        if self.is_kw("like"):
            self.next()
            tok = self.next()
            if tok.kind != "string":
                raise self.error(tok)
            like = Compare(ref, "LIKE", tok.value)
            return Logical("NOT", (like,)) if negated else like
        raise self.error()

    def literal(self) -> Any:
        tok = self.next()
        if tok.kind in ("string", "number"):
            return tok.value
        if tok.kind == "ident" and tok.text.lower() in ("true", "false"):
            return tok.text.lower() == "true"
        if tok.kind == "ident" and tok.text.lower() == "null":
            return None
        raise self.error(tok)


def parse(text: str) -> Query:
    """Parse a query.

    Raises:
        RestError: `MALFORMED_QUERY`.
    """
    if not text.strip():
        raise RestError("MALFORMED_QUERY", "A query string has to be specified")
    return _Parser(text).parse()


# evaluation ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Resolved:
    """A field path checked against the objects: the objects walked, and the final field."""

    ref: FieldRef
    names: tuple[str, ...]
    """Canonical names along the path (relationship names, then the field name)."""
    objects: tuple[SObjectType[Any], ...]
    """The object of each step (the queried object first)."""
    field: SField


def _invalid_field(
    query: Query, ref: FieldRef, obj: SObjectType[Any], name: str, relationship: bool
) -> RestError:
    if relationship:
        message = (
            f"Didn't understand relationship '{name}' in field path. If you are attempting to use a custom "
            "relationship, be sure to append the '__r' after the custom relationship name. Please reference "
            "your WSDL or the describe call for the appropriate names."
        )
    else:
        message = (
            f"No such column '{name}' on entity '{obj.name}'. If you are attempting to use a custom field, be "
            "sure to append the '__c' after the custom field name. Please reference your WSDL or the describe "
            "call for the appropriate names."
        )
    return RestError("INVALID_FIELD", _caret(query.text, ref.pos, message))


def _resolve(
    registry: SObjectRegistry[Any], query: Query, root: SObjectType[Any], ref: FieldRef
) -> _Resolved:
    path = list(ref.path)
    if len(path) > 1 and path[0].lower() == root.name.lower():
        path = path[1:]  # `User.Name` FROM User: the object's own name may prefix a field
    obj = root
    names: list[str] = []
    objects: list[SObjectType[Any]] = [root]
    for step in path[:-1]:
        rel = obj.relationship(step)
        target = registry.get(rel.reference_to) if rel is not None and rel.reference_to else None
        if rel is None or target is None:
            raise _invalid_field(query, ref, obj, step, relationship=True)
        names.append(str(rel.relationship))
        obj = target
        objects.append(obj)
    f = obj.field(path[-1])
    if f is None:
        raise _invalid_field(query, ref, obj, path[-1], relationship=False)
    names.append(f.name)
    return _Resolved(ref, tuple(names), tuple(objects), f)


class _Rows:
    """Rows of each object for one query, indexed by id, so relationship lookups are cheap."""

    def __init__(self, registry: SObjectRegistry[C], context: C) -> None:
        self.registry = registry
        self.context = context
        self._by_id: dict[str, dict[str, Row]] = {}
        self._rows: dict[str, list[Row]] = {}

    def of(self, obj: SObjectType[Any]) -> list[Row]:
        if obj.name not in self._rows:
            self._rows[obj.name] = list(obj.rows(self.context))
        return self._rows[obj.name]

    def by_id(self, obj: SObjectType[Any], id_: str) -> Row | None:
        index = self._by_id.get(obj.name)
        if index is None:
            index = {}
            for row in self.of(obj):
                rid = str(row.get("Id") or "")
                if rid:
                    index[rid] = row
                    index[rid[:15]] = row
            self._by_id[obj.name] = index
        return index.get(id_) or index.get(id_[:15])


def _value(rows: _Rows, resolved: _Resolved, row: Row) -> Any:
    current: Row | None = row
    for depth, name in enumerate(resolved.names[:-1]):
        assert current is not None
        rel = resolved.objects[depth].relationship(name)
        fk = current.get(rel.name) if rel is not None else None
        if not fk:
            return None
        current = rows.by_id(resolved.objects[depth + 1], str(fk))
        if current is None:
            return None
    return current.get(resolved.field.name) if current is not None else None


def _fold(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _same_value(f: SField, left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if f.type in ("id", "reference") and isinstance(left, str) and isinstance(right, str):
        return left[:15] == right[:15] and (len(left) < 18 or len(right) < 18 or left == right)
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right or (isinstance(right, str) and str(left).lower() == right.lower())
    if isinstance(left, int | float) and isinstance(right, int | float):
        return float(left) == float(right)
    return bool(_fold(str(left)) == _fold(str(right)))


def _like(value: Any, pattern: str) -> bool:
    if value is None:
        return False
    regex = ""
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            regex += re.escape(pattern[i + 1])
            i += 2
            continue
        regex += ".*" if ch == "%" else "." if ch == "_" else re.escape(ch)
        i += 1
    return re.fullmatch(regex, str(value), re.IGNORECASE | re.DOTALL) is not None


def _order_key(value: Any) -> Any:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, float(value))
    return (1, str(value).lower())


def _ordered(left: Any, op: str, right: Any) -> bool:
    if left is None or right is None:
        return False
    a, b = _order_key(left), _order_key(right)
    if a[0] != b[0]:
        return False
    return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])


def _matches(
    rows: _Rows, cond: Condition, resolved: dict[FieldRef, _Resolved], subs: dict[int, list[Any]], row: Row
) -> bool:
    if isinstance(cond, Logical):
        if cond.op == "NOT":
            return not _matches(rows, cond.parts[0], resolved, subs, row)
        results = (_matches(rows, p, resolved, subs, row) for p in cond.parts)
        return all(results) if cond.op == "AND" else any(results)
    r = resolved[cond.field]
    value = _value(rows, r, row)
    if cond.op == "=":
        return _same_value(r.field, value, cond.value)
    if cond.op == "!=":
        return not _same_value(r.field, value, cond.value)
    if cond.op in ("IN", "NOT IN"):
        choices = subs[id(cond.value)] if isinstance(cond.value, Query) else cond.value
        found = value is not None and any(_same_value(r.field, value, v) for v in choices)
        return found if cond.op == "IN" else not found and value is not None
    if cond.op == "LIKE":
        return _like(value, str(cond.value))
    return _ordered(value, cond.op, cond.value)


def _subqueries(cond: Condition | None) -> list[Query]:
    if cond is None:
        return []
    if isinstance(cond, Compare):
        return [cond.value] if isinstance(cond.value, Query) else []
    return [q for part in cond.parts for q in _subqueries(part)]


def _condition_refs(cond: Condition | None) -> list[FieldRef]:
    if cond is None:
        return []
    if isinstance(cond, Compare):
        return [cond.field]
    return [ref for part in cond.parts for ref in _condition_refs(part)]


def _check_condition(query: Query, cond: Condition | None, resolved: dict[FieldRef, _Resolved]) -> None:
    if isinstance(cond, Logical):
        for part in cond.parts:
            _check_condition(query, part, resolved)
    elif (
        isinstance(cond, Compare)
        and cond.op == "LIKE"
        and resolved[cond.field].field.type
        not in (
            "string",
            "email",
            "picklist",
            "textarea",
        )
    ):
        raise RestError(
            "INVALID_FIELD",
            _caret(
                query.text,
                cond.field.pos,
                f"invalid operator on {resolved[cond.field].field.type} field: LIKE",
            ),
        )


def _attributes(obj: SObjectType[Any], row: Row, version: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {"type": obj.name}
    if row.get("Id"):
        attrs["url"] = f"/services/data/v{version}/sobjects/{obj.name}/{row['Id']}"
    return attrs


def _record(rows: _Rows, root: SObjectType[Any], selected: list[_Resolved], row: Row, version: str) -> Row:
    record: Row = {"attributes": _attributes(root, row, version)}
    for r in selected:
        target: Row = record
        current: Row | None = row
        for depth, name in enumerate(r.names[:-1]):
            rel = r.objects[depth].relationship(name)
            fk = current.get(rel.name) if current is not None and rel is not None else None
            child = rows.by_id(r.objects[depth + 1], str(fk)) if fk else None
            if child is None:
                target[name] = None
                break
            existing = target.get(name)
            if not isinstance(existing, dict):
                existing = {"attributes": _attributes(r.objects[depth + 1], child, version)}
                target[name] = existing
            target, current = existing, child
        else:
            target[r.names[-1]] = current.get(r.field.name) if current is not None else None
    return record


def run(registry: SObjectRegistry[C], context: C, text: str, version: str) -> dict[str, Any]:
    """Run `text` over the registry's objects; the REST query response (`totalSize`, `done`, `records`).

    Raises:
        RestError: `MALFORMED_QUERY`, `INVALID_TYPE` or `INVALID_FIELD` (HTTP 400).
    """
    query = parse(text)
    rows = _Rows(registry, context)
    matched, root, selected, resolved = _select(registry, rows, query)
    matched = _sorted(rows, query, resolved, matched)
    matched = matched[query.offset :]
    if query.limit is not None:
        matched = matched[: query.limit]
    if query.count:
        return {"totalSize": len(matched), "done": True, "records": []}
    if query.count_field is not None:
        r = resolved[query.count_field]
        n = sum(1 for row in matched if _value(rows, r, row) is not None)
        return {
            "totalSize": 1,
            "done": True,
            "records": [{"attributes": {"type": "AggregateResult"}, "expr0": n}],
        }
    records = [_record(rows, root, selected, row, version) for row in matched]
    return {"totalSize": len(records), "done": True, "records": records}


def _select(
    registry: SObjectRegistry[Any], rows: _Rows, query: Query
) -> tuple[list[Row], SObjectType[Any], list[_Resolved], dict[FieldRef, _Resolved]]:
    """Check `query` and return the rows its WHERE keeps (semi-join subqueries run first)."""
    root, selected, resolved = _check(registry, query)
    subs: dict[int, list[Any]] = {}
    for sub in _subqueries(query.where):
        sub_rows, _, sub_selected, _ = _select(registry, rows, sub)
        subs[id(sub)] = [v for v in (_value(rows, sub_selected[0], row) for row in sub_rows) if v is not None]
    kept = [
        row
        for row in rows.of(root)
        if query.where is None or _matches(rows, query.where, resolved, subs, row)
    ]
    return kept, root, selected, resolved


def _sorted(rows: _Rows, query: Query, resolved: dict[FieldRef, _Resolved], matched: list[Row]) -> list[Row]:
    for item in reversed(query.order_by):
        r = resolved[item.field]
        keyed = [(_value(rows, r, row), row) for row in matched]
        present = [pair for pair in keyed if pair[0] is not None]
        present.sort(key=lambda pair: _order_key(pair[0]), reverse=item.descending)
        absent = [row for value, row in keyed if value is None]
        ordered = [row for _, row in present]
        matched = ordered + absent if item.nulls_last else absent + ordered
    return matched


def _check(
    registry: SObjectRegistry[Any], query: Query
) -> tuple[SObjectType[Any], list[_Resolved], dict[FieldRef, _Resolved]]:
    root = registry.get(query.sobject)
    if root is None:
        raise RestError(
            "INVALID_TYPE",
            _caret(
                query.text,
                query.sobject_pos,
                f"sObject type '{query.sobject}' is not supported. If you are attempting to use a custom "
                "object, be sure to append the '__c' after the entity name. Please reference your WSDL or "
                "the describe call for the appropriate names.",
            ),
        )
    refs = list(query.fields)
    if query.count_field is not None:
        refs.append(query.count_field)
    refs += _condition_refs(query.where) + [o.field for o in query.order_by]
    resolved = {ref: _resolve(registry, query, root, ref) for ref in refs}
    seen: set[tuple[str, ...]] = set()
    for ref in query.fields:
        key = tuple(n.lower() for n in resolved[ref].names)
        if key in seen:
            raise RestError(
                "MALFORMED_QUERY",
                _caret(query.text, ref.pos, f"duplicate field selected: {'.'.join(resolved[ref].names)}"),
            )
        seen.add(key)
    _check_condition(query, query.where, resolved)
    for sub in _subqueries(query.where):
        _check(registry, sub)
    return root, [resolved[ref] for ref in query.fields], resolved


def _column(f: SField, name: str, joins: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "aggregate": False,
        "apexType": None if joins else _APEX_TYPES.get(f.type, "String"),
        "booleanType": f.type == "boolean" and not joins,
        "columnName": name,
        "custom": False,
        "displayName": name,
        "foreignKeyName": None,
        "insertable": False,
        "joinColumns": joins,
        "numberType": f.type in ("int", "double") and not joins,
        "textType": f.type in ("string", "email", "picklist", "textarea") and not joins,
        "updatable": False,
    }


_APEX_TYPES = {
    "id": "Id",
    "reference": "Id",
    "boolean": "Boolean",
    "int": "Integer",
    "double": "Double",
    "datetime": "Datetime",
    "date": "Date",
}


def columns(registry: SObjectRegistry[C], text: str) -> dict[str, Any]:
    """The `columns=true` answer: the selected columns (relationship fields nest in `joinColumns`).

    Raises:
        RestError: as `run`.
    """
    query = parse(text)
    root, selected, _ = _check(registry, query)
    metadata: list[dict[str, Any]] = []
    if query.count_field is not None:
        metadata.append(
            {
                **_column(SField("expr0", "int"), "expr0", []),
                "aggregate": True,
                "apexType": "Integer",
                "displayName": f"count({'.'.join(query.count_field.path)})",
            }
        )
    for r in selected:
        siblings = metadata
        for depth, name in enumerate(r.names[:-1]):
            rel = r.objects[depth].relationship(name)
            existing = next((c for c in siblings if c["columnName"] == name), None)
            if existing is None:
                existing = _column(rel or SField(name), name, [])
                existing["joinColumns"] = []
                existing["apexType"] = None
                existing["textType"] = False
                siblings.append(existing)
            siblings = existing["joinColumns"]
        siblings.append(_column(r.field, r.names[-1], []))
    return {
        "columnMetadata": metadata,
        "entityName": "AggregateResult" if query.aggregate else root.name,
        "groupBy": False,
        "idSelected": any(r.names == ("Id",) for r in selected),
        "keyPrefix": None if query.aggregate else root.key_prefix,
    }
