"""perfdash's SQL is written once, in DuckDB's dialect: schema.sql, the migrations and every write.
This module translates a statement for PostgreSQL (with sqlglot), so that the schema stays one
source and the one write path runs unchanged on either backend. Translations are cached: a write's
statements are the same few strings over and over."""

from __future__ import annotations

import functools
import re

import sqlglot
from sqlglot import exp

# sqlglot renders these DuckDB functions under their own names, which PostgreSQL lacks.
_PLACEHOLDER = "__perfdash_param_{}__"


def _postgres_node(node: exp.Expression) -> exp.Expression:
    """One node rewritten for PostgreSQL where sqlglot leaves DuckDB's spelling."""
    if isinstance(node, exp.RegexpFullMatch):
        # regexp_full_match(x, p): the whole of x matches p. PostgreSQL's ~ matches anywhere.
        pattern = node.expression
        anchored = (
            exp.Literal.string(f"^(?:{pattern.this})$")
            if isinstance(pattern, exp.Literal)
            else exp.DPipe(
                this=exp.DPipe(this=exp.Literal.string("^(?:"), expression=pattern), expression=exp.Literal.string(")$")
            )
        )
        return exp.RegexpLike(this=node.this, expression=anchored)
    if isinstance(node, (exp.ArgMax, exp.ArgMin)):
        # arg_max(x, key): the x of the row with the largest key; PostgreSQL has no such aggregate.
        order = "DESC" if isinstance(node, exp.ArgMax) else "ASC"
        x, key = node.this.sql(dialect="postgres"), node.expression.sql(dialect="postgres")
        return sqlglot.parse_one(f"(ARRAY_AGG({x} ORDER BY {key} {order} NULLS LAST))[1]", read="postgres")
    if isinstance(node, exp.Contains):
        # contains(text, part): strpos(text, part) > 0
        return exp.GT(
            this=exp.Anonymous(this="STRPOS", expressions=[node.this, node.expression]),
            expression=exp.Literal.number(0),
        )
    return node


@functools.lru_cache(maxsize=2048)
def to_postgres(sql: str) -> str:
    """One DuckDB statement as PostgreSQL runs it through psycopg: ``?`` and ``$name`` parameters
    become ``%s`` and ``%(name)s``, and a literal ``%`` is doubled (psycopg reads ``%`` as the start
    of a parameter)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    tree = tree.transform(_postgres_node)
    params: list[str] = []

    def mark(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder):
            params.append("%s" if not node.this else f"%({node.this})s")
            return exp.Var(this=_PLACEHOLDER.format(len(params) - 1))
        return node

    tree = tree.transform(mark)
    text = tree.sql(dialect="postgres").replace("%", "%%")
    for i, param in enumerate(params):
        text = text.replace(_PLACEHOLDER.format(i), param, 1)
    return text


def script_to_postgres(script: str) -> list[str]:
    """A DuckDB script (schema.sql, a migration) as PostgreSQL statements, comments dropped. No
    parameters here: a literal ``%`` stays as it is."""
    out = []
    for tree in sqlglot.parse(_strip_comments(script), read="duckdb"):
        if tree is None:
            continue
        out.append(tree.transform(_postgres_node).sql(dialect="postgres"))
    return out


def _strip_comments(script: str) -> str:
    # Line comments only (the schema has no block comments); a "--" inside a string literal would
    # be cut too, so the schema keeps none.
    return "\n".join(re.sub(r"--.*$", "", line) for line in script.splitlines())
