"""experiments/results.csv: one row per finished run, appended safely by concurrent runs.

Every append takes a lock, re-reads and checks the whole table, and replaces the file atomically
(``keras_vis.files``): a reader sees the old table or the new one, never half a row. A table that
does not check out (a wrong header, a row with the wrong number of fields, a cut-off last line) is
reported with its line number and left exactly as it is, so a hand-made mistake or a torn write
by another tool never costs the rows already there.

Example:
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "results.csv")
>>> append_result(path, {column: "" for column in RESULTS_COLUMNS} | {"experiment": "demo"})
>>> read_results(path)["experiment"].tolist()
['demo']
"""

from __future__ import annotations

import csv
import io
import math
import os
from typing import TYPE_CHECKING, Callable, Mapping

import filelock

from keras_vis.errors import DataError, KerasVisError
from keras_vis.files import check_writable, write_text

if TYPE_CHECKING:
    import pandas

SCORE_COLUMNS = ("train_accuracy", "val_accuracy", "test_accuracy", "test_auc", "test_loss")
# Columns added after tables were already written: a table without them is read (and rewritten
# on the next append) with those cells empty, so no row is lost to an upgrade.
REAL_COLUMNS = (
    "real_balanced_accuracy", "real_auc", "real_within_clip", "real_offset_ok", "real_clips",
)
# The held-out part (by source video) of the footage a run trained on (``data.footage``), scored
# with the same protocol as the real clips: real footage the run never fitted on.
FOOTAGE_COLUMNS = (
    "footage_balanced_accuracy", "footage_auc", "footage_offset_ok", "footage_clips",
)
# Where a run trained ("cpu", or a GPU's name): speeds from two devices are not averaged.
ADDED_COLUMNS = REAL_COLUMNS + ("device", "overrides") + FOOTAGE_COLUMNS
SPEED_COLUMNS = ("train_time_s", "samples_per_s")

RESULTS_COLUMNS = (
    "experiment",
    "overrides",  # the --set flags that made the run a variant of it (config_overrides)
    "model",
    "preset",
    "fusion",
    "task",
    "backend",
    "device",
    "keras_version",
    "dataset",
    "dataset_fingerprint",
    "seed",
    "epochs",
    "params",
    *SCORE_COLUMNS,
    *REAL_COLUMNS,
    *FOOTAGE_COLUMNS,
    *SPEED_COLUMNS,
    "git_commit",
    "date",
    "command",
    "run_dir",
)

# How a results table is grouped unless told otherwise, like with like: runs are averaged only
# when they share the experiment, preset, task, dataset, backend and device (a repeated experiment).
DEFAULT_GROUPING = ("experiment", "preset", "task", "dataset", "backend", "device")

INTEGER_COLUMNS = ("seed", "epochs", "params", "real_clips", "footage_clips")
FLOAT_COLUMNS = tuple(
    c for c in SCORE_COLUMNS + REAL_COLUMNS + FOOTAGE_COLUMNS + SPEED_COLUMNS
    if c not in INTEGER_COLUMNS
)
NUMERIC_COLUMNS = INTEGER_COLUMNS + FLOAT_COLUMNS

# Two runs finishing together wait for each other for well under a second; a minute means a
# process is stuck holding the lock (the lock is released by the kernel when a holder dies).
LOCK_TIMEOUT_S = 60.0


def append_result(path: str | os.PathLike, row: Mapping[str, object], *,
                  replace_run: bool = False, then: Callable[[], None] | None = None) -> None:
    """Append ``row`` (a value for exactly each of ``RESULTS_COLUMNS``) to the table at ``path``.

    Creates the file (and its folder) with a header when it does not exist. With
    ``replace_run``, the row replaces any row of the same ``run_dir``: a run killed after its
    row was written but before it recorded itself finished runs its test step again, and must
    not be counted twice. ``then`` runs after the write, still under the table's lock (the
    run's own record of its row). Raises ``DataError`` when the row's columns are wrong or the
    existing file does not check out; the file is then left byte-for-byte as it was.
    """
    path = os.fspath(path)
    record = _row_to_record(path, row)
    check_writable(path, "results table")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    lock = filelock.FileLock(path + ".lock", timeout=LOCK_TIMEOUT_S)
    try:
        with lock:
            records = _read_records(path) if os.path.exists(path) else []
            if replace_run:
                records = [r for r in records if not _same_run(r, record)]
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(RESULTS_COLUMNS)
            writer.writerows(records)
            writer.writerow(record)
            write_text(path, buffer.getvalue())
            if then is not None:
                then()
    except filelock.Timeout as error:
        raise KerasVisError(
            f"{path}: another process has held {path}.lock for {LOCK_TIMEOUT_S:.0f} s; "
            "the row was not written"
        ) from error


def _same_run(existing: list[str], new: list[str]) -> bool:
    """Whether two records are rows of one run folder (an empty ``run_dir`` names none)."""
    column = RESULTS_COLUMNS.index("run_dir")
    return bool(new[column]) and existing[column] == new[column]


def check_appendable(path: str | os.PathLike) -> None:
    """Raise ``DataError`` now if ``append_result`` could not add a row to the table at
    ``path``: it cannot be written, or the file there does not check out. A run calls this
    before any data work, so a broken table costs seconds, not a whole training."""
    path = os.fspath(path)
    check_writable(path, "results table")
    if os.path.exists(path):
        _read_records(path)


def read_results(path: str | os.PathLike) -> "pandas.DataFrame":
    """Read and check the table at ``path``: one row per run, columns ``RESULTS_COLUMNS``.

    Numeric columns come back as numbers (an empty cell is NaN), the rest as strings.
    Raises ``DataError`` when the file is missing or does not check out.
    """
    import pandas

    path = os.fspath(path)
    if not os.path.exists(path):
        raise DataError(f"{path}: no such results table (run an experiment first)")
    records = _read_records(path)
    table = pandas.DataFrame(records, columns=list(RESULTS_COLUMNS), dtype=object)
    for column in NUMERIC_COLUMNS:
        table[column] = pandas.to_numeric(table[column].replace("", None), errors="raise")
    for column in RESULTS_COLUMNS:
        if column not in NUMERIC_COLUMNS:
            table[column] = table[column].astype(str)
    return table


def _row_to_record(path: str, row: Mapping[str, object]) -> list[str]:
    missing = [column for column in RESULTS_COLUMNS if column not in row]
    unknown = sorted(str(column) for column in row if column not in RESULTS_COLUMNS)
    if missing or unknown:
        problems = []
        if missing:
            problems.append("missing column(s) " + ", ".join(missing))
        if unknown:
            problems.append("unknown column(s) " + ", ".join(unknown))
        raise DataError(f"{path}: the new row has " + "; ".join(problems) + "; nothing written")
    record = [_cell(row[column]) for column in RESULTS_COLUMNS]
    for column, value in zip(RESULTS_COLUMNS, record):
        problem = _cell_problem(column, value)
        if problem:
            raise DataError(f"{path}: the new row's {problem}; nothing written")
    return record


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars print as np.float32(...) under numpy 2
    return str(value)


def _cell_problem(column: str, value: str) -> str | None:
    """What is wrong with a cell (None when nothing): numeric columns hold numbers or nothing."""
    if column not in NUMERIC_COLUMNS or value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        return f"{column} is {value!r}, not a number"
    if column in INTEGER_COLUMNS and not number.is_integer():
        return f"{column} is {value!r}, not a whole number"
    return None


def _read_records(path: str) -> list[list[str]]:
    """The checked data rows of the table at ``path`` (header excluded)."""
    try:
        with open(path, "rb") as stream:
            raw = stream.read()
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error})") from error
    if not raw:
        return []  # an empty file (a `touch`) holds no runs; the next append writes the header
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(f"{path}: line {line} is not UTF-8 text; not a results table") from error
    if not text.endswith("\n"):
        # Everything this module writes ends with a newline: a last line without one was cut
        # off mid-row (a torn write), or hand-edited; either way it must be looked at.
        line = text.count("\n") + 1
        raise DataError(
            f"{path}: line {line} does not end with a newline: the last row looks cut off "
            "(a torn write); check it, and add the newline if the row is complete"
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records = []
    try:
        header = next(reader, None)
        layout = _check_header(path, header)
        end = reader.line_num
        for fields in reader:
            start, end = end + 1, reader.line_num
            where = f"line {start}" if start == end else f"lines {start}-{end}"
            if not fields:
                raise DataError(f"{path}: {where} is blank; a results table has no blank lines")
            if len(fields) != len(header):
                raise DataError(
                    f"{path}: {where} has {len(fields)} fields, the header has "
                    f"{len(header)} (a torn or hand-broken row)"
                )
            if layout is not None:
                fields = [fields[i] if i is not None else "" for i in layout]
            for column, value in zip(RESULTS_COLUMNS, fields):
                problem = _cell_problem(column, value)
                if problem:
                    raise DataError(f"{path}: {where}: {problem}")
            records.append(fields)
    except csv.Error as error:
        raise DataError(f"{path}: line {reader.line_num} is not valid CSV ({error})") from error
    return records


def _check_header(path: str, header: list[str] | None) -> list[int | None] | None:
    """``None`` for the current header; for an older one that lacks only ``ADDED_COLUMNS``,
    where each current column sits in its rows (``None``: an empty cell)."""
    if header == list(RESULTS_COLUMNS):
        return None
    older = [column for column in RESULTS_COLUMNS if column not in ADDED_COLUMNS]
    if header and [c for c in header if c not in ADDED_COLUMNS] == older:
        return [header.index(c) if c in header else None for c in RESULTS_COLUMNS]
    if not header:
        expected = ",".join(RESULTS_COLUMNS)
        raise DataError(f"{path}: line 1 is blank; expected the header {expected}")
    missing = [column for column in RESULTS_COLUMNS if column not in header]
    unknown = [column for column in header if column not in RESULTS_COLUMNS]
    problems = []
    if missing:
        problems.append("missing column(s) " + ", ".join(missing))
    if unknown:
        problems.append("unknown column(s) " + ", ".join(unknown))
    if not problems:
        problems.append("the columns are out of order (or repeated)")
    raise DataError(f"{path}: line 1 (the header): " + "; ".join(problems))
