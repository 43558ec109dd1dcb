"""Count cells of a usage CSV export (#18): the reader's quick way with plain digits reads every
cell exactly as :func:`~gpt41cost.numbers.parse_count`, the one rule for numbers people type.

A cell of 1 to 15 ASCII digits is read with ``int()``; any other cell (signs, spaces, groupings,
decimals, exponents, other scripts' digits, 16 digits or more, junk) takes ``parse_count`` with the
catalog-limit range. Generated cells check that both ways give the same count, or the same bad
record; whole exports check that the spellings people type sum as the plain digits do.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gpt41cost.errors import InputError
from gpt41cost.numbers import LIMIT, NumberError, parse_count
from gpt41cost.readers.usage import _Bad, _csv_int, read_usage

COLUMN = "input_tokens"


def _general(cell: str, required: bool) -> int | tuple[str, str]:
    """What the reader made of a count cell before it had a quick way: parse_count's count, or the
    bad record (reason, detail)."""
    text = cell.strip()
    if not text:
        return ("bad_tokens", f"{COLUMN} is empty") if required else 0
    try:
        return parse_count(text, LIMIT)
    except NumberError as exc:
        return ("bad_tokens", f"{COLUMN}: {exc}")


def _read(cell: str, required: bool) -> int | tuple[str, str]:
    try:
        return _csv_int(cell, COLUMN, required=required)
    except _Bad as exc:
        return (exc.reason, exc.detail)


_SPACE = st.sampled_from(["", " ", "  ", "\t", "\u00a0", "\u3000"])
#: ASCII, Arabic-Indic, full-width digits, superscripts (digits to isdigit(), not to int())
_DIGITS = st.sampled_from(["0123456789", "٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９", "²³¹"])


@st.composite
def count_cells(draw: st.DrawFn) -> str:
    """Cells as exports and people write counts: plain, signed, spaced, grouped, decimal,
    exponent, other scripts' digits, zero-padded, past the range, junk."""
    kind = draw(st.sampled_from(["int", "int", "near-limit", "padded", "decimal", "exponent", "script", "junk"]))
    if kind == "int":
        body = str(draw(st.integers(-(10**17), 10**17)))
        if draw(st.booleans()):
            body = draw(st.sampled_from([f"{int(body):,}", f"{int(body):_}", body]))
    elif kind == "near-limit":  # 15 and 16 digits: either side of the quick way's cut
        body = str(10**15 + draw(st.integers(-3, 3)) * draw(st.sampled_from([1, 10**14, 10**15])))
    elif kind == "padded":  # leading zeros, up to past the 64 characters a number may have
        body = "0" * draw(st.integers(0, 70)) + str(draw(st.integers(0, 10**6)))
    elif kind == "decimal":
        whole = draw(st.integers(0, 10**6))
        body = f"{whole}.{draw(st.sampled_from(['', '0', '00', '5', '000001']))}"
    elif kind == "exponent":
        body = f"{draw(st.sampled_from(['1', '1.5', '12', '0', '.5', '-2']))}{draw(st.sampled_from('eE'))}"
        body += draw(st.sampled_from(["", "+", "-"])) + str(draw(st.sampled_from([0, 1, 3, 6, 15, 16, 999999999])))
    elif kind == "script":
        digits = draw(_DIGITS)
        body = "".join(draw(st.lists(st.sampled_from(digits), min_size=1, max_size=17)))
    else:
        body = draw(st.text(alphabet="0123456789+-.,_eE% x\t\n", max_size=20))
    sign = draw(st.sampled_from(["", "", "+", "-"])) if kind in {"padded", "decimal", "script"} else ""
    return draw(_SPACE) + sign + body + draw(_SPACE)


# 15 drawn (50 before, 200 before that): the edges are explicit examples below; mutants of
# _csv_int's quick way (16 digits taken, the ASCII check dropped, isnumeric for isdigit, a blank
# cell judged before it is stripped) fail 5 seeded runs in 5 at 50 as at 200, and (the first two
# and the last) at 15 as at 50 (isnumeric beside the ASCII check is the same test).
@settings(max_examples=15)
@given(count_cells(), st.booleans())
@example("1234567", True)  # plain digits: the quick way
@example("²", True)  # a superscript: a digit to isdigit(), not to int()
@example("", True)  # an empty input-tokens cell is a bad record
@example("123456789012345", True)  # 15 digits: the quick way
@example("1000000000000000", True)  # 10**15, 16 digits: the top of the range, parse_count's way
@example("1000000000000001", True)  # past the range: a bad record either way
@example("0" * 64 + "1", True)  # 65 characters: not a number, though int() reads it
@example("١٢٣", True)  # digits of another script: int() reads them; ASCII only takes the quick way
@example("", False)  # an empty cached-tokens cell counts 0
@example(" 42 ", True)
@example("\u3000", True)  # white space only: empty once stripped
def test_a_count_cell_reads_as_parse_count_reads_it(cell: str, required: bool) -> None:
    assert _read(cell, required) == _general(cell, required)


_HEADER = ["start_time", "model", "project_id", "num_model_requests", "input_tokens", "output_tokens"]
_HEADER += ["input_cached_tokens"]


def _spellings(n: int) -> list[str]:
    """Ways people (and spreadsheets) write the count ``n``, all read as ``n``."""
    exact = f"{n:.6e}" if n < 10**6 else str(n)  # 1.234000e+03: seven digits hold any n under 10**6
    return [str(n), f" {n} ", f"{n:,}", f"{n:_}", f"+{n}", f"{n}.0", f"{n}e0", f"0{n}", exact]


def _export(seed: int) -> list[tuple[int, str, str, list[int], list[int]]]:
    """1 to 25 rows of an export: (day, model, project, the four counts, which of
    :func:`_spellings` each count is typed in). Built from a seed: hypothesis drew each field and
    spelling on its own (some 275 draws an example), which cost more than the reads."""
    rnd = random.Random(seed)
    rows = []
    for _ in range(rnd.randint(1, 25)):
        n, inp, out = rnd.randint(1, 5000), rnd.randint(0, 900_000), rnd.randint(0, 90_000)
        counts = [n, inp, out, inp * rnd.randint(0, 100) // 100]  # cached: a share of the input
        model = rnd.choice(["gpt-4.1", "gpt-4.1-mini", " gpt-4.1-nano "])
        rows.append(
            (
                rnd.randrange(10),
                model,
                rnd.choice(["proj_a", "proj_b", " ", ""]),
                counts,
                [rnd.randrange(9) for _ in counts],
            )
        )
    return rows


# 15 exports (40 before), each of up to 25 rows of four counts in drawn spellings: a spelling
# numbers.parse_decimal stops reading (1_000, 1,000, 1e0: mutants of its pattern) fails 10 seeded
# runs in 10 at 15 as at 40 (5 in 5).
@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**64).map(_export))
def test_an_export_in_typed_spellings_sums_as_in_plain_digits(
    tmp_path: Path, rows: list[tuple[int, str, str, list[int], list[int]]]
) -> None:
    plain, typed = io.StringIO(), io.StringIO()
    w_plain, w_typed = csv.writer(plain, lineterminator="\n"), csv.writer(typed, lineterminator="\n")
    w_plain.writerow(_HEADER)
    w_typed.writerow(_HEADER)
    for day, model, project, counts, spelled in rows:
        start = 1764547200 + 86400 * day
        w_plain.writerow([start, model, project, *counts])
        w_typed.writerow([start, model, project, *(_spellings(c)[k] for c, k in zip(counts, spelled, strict=True))])
    a, b = tmp_path / "plain.csv", tmp_path / "typed.csv"
    a.write_text(plain.getvalue())
    b.write_text(typed.getvalue())
    one, other = read_usage([str(a)], strict=True, jobs=1), read_usage([str(b)], strict=True, jobs=1)
    assert (one.records, one.groups, one.skip_counts) == (len(rows), other.groups, other.skip_counts)
    assert other.records == len(rows)


def test_rows_sharing_a_bad_time_are_each_a_bad_record(tmp_path: Path) -> None:
    """The reader remembers the day of each time cell it has read; a time it refused is refused
    again on every row that has it, naming each row's line."""
    path = tmp_path / "export.csv"
    rows = ["99999999999999,gpt-4.1,p,1,10,1,0", "1764547200,gpt-4.1,p,1,10,1,0", "99999999999999,gpt-4.1,p,1,10,1,0"]
    path.write_text("\n".join([",".join(_HEADER), *rows]) + "\n")
    acc = read_usage([str(path)], jobs=1)
    assert (acc.records, acc.skip_counts) == (1, {"bad_record": 2})
    assert [s.line for s in acc.skips] == [2, 4]
    with pytest.raises(InputError, match=r"export\.csv:2: start_time: time 99999999999999.0 is not a Unix time"):
        read_usage([str(path)], strict=True, jobs=1)
