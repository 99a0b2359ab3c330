"""Every sum or mean of money in the SQL models is rounded to the fen where it is made (docs/decisions.md "Money sums
to the fen"): DuckDB sums DOUBLE in the order its threads and the delivery's rows meet them, so an unrounded sum
publishes different last bits from one night to the next, and a comparison near a threshold can go either way.

A reading of the SQL text, not of a run: a new model that sums a money column without `round(…, 2)` around it fails
here before any world shows the drift (R04's sum was found by a shuffled delivery of the demo world, session 19).
"""

from __future__ import annotations

import re
from pathlib import Path

from pipelines.warehouse import SQL_DIR

# a column holding money: 元 amounts as the platforms deliver them and every *_yuan the models make
MONEY = re.compile(r"\b\w*(?:_yuan|amount|balance|_value)\b")
AGGREGATE = re.compile(r"\b(sum|avg)\s*\(")
# (model file, aggregate, argument): a mean of money that is a risk-model feature, not a published amount — a mean
# is not a whole number of fen, and snapshot_features rounds every float feature to FEATURE_DECIMALS
ALLOWED = {("features/feat_project.sql", "avg", "due_yuan")}


def _closing(code: str, opening: int) -> int:
    """The index of the parenthesis that closes the one at `opening`."""
    depth = 0
    for i in range(opening, len(code)):
        depth += {"(": 1, ")": -1}.get(code[i], 0)
        if depth == 0:
            return i
    raise AssertionError(f"unbalanced parenthesis at {opening}")


def unrounded_money(code: str) -> list[tuple[int, str, str]]:
    """(line, aggregate, argument) of each sum/avg over a money column that no `round(` encloses."""
    code = "\n".join(line.split("--")[0] for line in code.splitlines())  # comments out, lines kept
    rounds = [(m.end() - 1, _closing(code, m.end() - 1)) for m in re.finditer(r"\bround\s*\(", code)]
    found = []
    for m in AGGREGATE.finditer(code):
        opening = m.end() - 1
        arg = code[opening + 1 : _closing(code, opening)]
        if MONEY.search(arg) and not any(start < m.start() and opening < end for start, end in rounds):
            found.append((code.count("\n", 0, m.start()) + 1, m.group(1), " ".join(arg.split())))
    return found


def test_the_scan_finds_an_unrounded_money_sum_and_passes_a_rounded_one():
    sql = """select
        round(sum(amount), 2) as a,  -- sum(amount) in a comment is not code
        coalesce(round(sum(paid_yuan) filter (where x), 2), 0) as b,
        round(sum(due_yuan) - sum(paid_yuan), 2) as c,
        count(*) as n, sum(n_punches) as p,
        sum(payroll.actual_amount) as bad,
        avg(balance_yuan) as bad_mean
    from t"""
    assert unrounded_money(sql) == [(6, "sum", "payroll.actual_amount"), (7, "avg", "balance_yuan")]


def test_every_money_sum_in_the_models_is_rounded_to_the_fen():
    models = sorted(SQL_DIR.rglob("*.sql"))
    assert len(models) > 50
    found = [
        (path.relative_to(SQL_DIR).as_posix(), line, agg, arg)
        for path in models
        for line, agg, arg in unrounded_money(Path(path).read_text(encoding="utf-8"))
        if (path.relative_to(SQL_DIR).as_posix(), agg, arg) not in ALLOWED
    ]
    assert found == []
