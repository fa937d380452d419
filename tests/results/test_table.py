import multiprocessing
import os

import pytest

from keras_vis.errors import DataError, KerasVisError
from keras_vis.results.table import RESULTS_COLUMNS, append_result, check_appendable, read_results


def make_row(**values):
    row = dict.fromkeys(RESULTS_COLUMNS, "")
    row.update(
        experiment="sync_tiny", model="resnet_gru_fusion", preset="tiny", task="sync",
        backend="jax", seed=1, epochs=3, params=1234, test_accuracy=0.9, run_dir="runs/x",
    )
    row.update(values)
    return row


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "experiments" / "results.csv"
    append_result(path, make_row(seed=1))
    append_result(path, make_row(seed=2, test_accuracy=0.8))
    return path


def test_round_trip_keeps_values_and_types(tmp_path):
    path = tmp_path / "results.csv"
    command = 'python -m keras_vis run x.toml --set "lr=0.1,0.2" --set name="a ""b"""\nline 2'
    append_result(path, make_row(command=command, git_commit="0123456", test_auc=None))
    table = read_results(path)
    assert list(table.columns) == list(RESULTS_COLUMNS)
    assert table.loc[0, "command"] == command
    assert table.loc[0, "git_commit"] == "0123456"  # a commit of digits stays text
    assert table.loc[0, "seed"] == 1 and table.loc[0, "test_accuracy"] == 0.9
    assert table["test_auc"].isna().all()
    assert open(path, encoding="utf-8").readline().rstrip("\n") == ",".join(RESULTS_COLUMNS)


def append_many(path, start, count, barrier):
    barrier.wait()
    for seed in range(start, start + count):
        append_result(path, make_row(seed=seed))


def test_concurrent_appends_from_two_processes_all_land(tmp_path):
    path = str(tmp_path / "results.csv")
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    barrier = context.Barrier(2)
    workers = [
        context.Process(target=append_many, args=(path, start, 15, barrier)) for start in (0, 100)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    seeds = sorted(read_results(path)["seed"])
    assert seeds == list(range(15)) + list(range(100, 115))
    assert [name for name in os.listdir(tmp_path) if name.endswith(".tmp")] == []


def assert_rejected_unchanged(path, *fragments):
    before = path.read_bytes()
    with pytest.raises(DataError) as error:
        append_result(path, make_row(seed=9))
    for fragment in (str(path), *fragments):
        assert fragment in str(error.value)
    assert path.read_bytes() == before
    with pytest.raises(DataError):
        read_results(path)
    # What a run checks before it trains finds the same problem.
    with pytest.raises(DataError) as early:
        check_appendable(path)
    assert str(early.value) == str(error.value)


def test_torn_row_is_reported_and_file_left_unchanged(table):
    with open(table, "a", encoding="utf-8") as stream:
        stream.write("sync_tiny,resnet_gru_fusion,tiny,,sync,jax,3.15\n")
    assert_rejected_unchanged(table, "line 4", "7 fields")


def test_last_line_cut_without_newline_is_reported(table):
    text = table.read_text(encoding="utf-8")
    table.write_text(text[:-3], encoding="utf-8")  # cut inside run_dir: the field count still fits
    assert_rejected_unchanged(table, "line 3", "cut off")


def test_missing_column_in_header_is_reported(table):
    lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = lines[0].replace("test_auc,", "")
    table.write_text("".join(lines), encoding="utf-8")
    assert_rejected_unchanged(table, "line 1", "missing column(s) test_auc")


def test_text_in_a_numeric_column_is_reported(table):
    table.write_text(table.read_text(encoding="utf-8").replace(",0.8,", ",oops,"), encoding="utf-8")
    assert_rejected_unchanged(table, "line 3", "test_accuracy")


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not UTF-8"),
        (b'{"experiment": "x"}\n', "line 1"),
        (",".join(RESULTS_COLUMNS).encode() + b'\n"unterminated,quote\n', "not valid CSV"),
        (",".join(RESULTS_COLUMNS).encode() + b"\n\n", "blank"),
    ],
)
def test_not_a_results_table_is_reported(tmp_path, content, fragment):
    path = tmp_path / "results.csv"
    path.write_bytes(content)
    assert_rejected_unchanged(path, fragment)


def test_row_with_wrong_columns_names_them_and_writes_nothing(tmp_path):
    path = tmp_path / "results.csv"
    row = make_row(colour="red")
    del row["test_auc"]
    with pytest.raises(DataError, match="missing column.*test_auc.*unknown column.*colour"):
        append_result(path, row)
    with pytest.raises(DataError, match="params"):
        append_result(path, make_row(params="many"))
    assert not path.exists()


def test_a_good_or_missing_table_can_take_a_row(tmp_path, table):
    check_appendable(table)
    check_appendable(tmp_path / "new" / "results.csv")
    assert not (tmp_path / "new").exists()


def test_empty_file_gets_a_header(tmp_path):
    path = tmp_path / "results.csv"
    path.touch()
    assert read_results(path).empty
    append_result(path, make_row())
    assert len(read_results(path)) == 1


def test_failed_write_leaves_the_table_and_no_temporary_file(table, monkeypatch):
    before = table.read_bytes()

    def full_disk(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(KerasVisError, match="No space left"):
        append_result(table, make_row(seed=3))
    assert table.read_bytes() == before
    assert [name for name in os.listdir(table.parent) if name.endswith(".tmp")] == []


def test_missing_table_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="no such results table"):
        read_results(tmp_path / "results.csv")


def test_read_only_table_is_refused_even_for_root(table):
    """Mode 0444 means "do not change": refused by its mode bits (root ignores file modes)."""
    before = table.read_bytes()
    table.chmod(0o444)
    try:
        with pytest.raises(DataError) as error:
            append_result(table, make_row(seed=3))
        assert str(table) in str(error.value)
        assert "read-only (mode 0444)" in str(error.value)
        assert table.read_bytes() == before
        assert [name for name in os.listdir(table.parent) if name.endswith(".tmp")] == []
    finally:
        table.chmod(0o644)


@pytest.mark.parametrize("missing", [False, True], ids=["existing-table", "new-table"])
def test_read_only_folder_is_refused_even_for_root(tmp_path, missing):
    from keras_vis.files import check_writable

    folder = tmp_path / "experiments"
    path = folder / "results.csv"
    if not missing:
        append_result(path, make_row())
    else:
        folder.mkdir()
    before = sorted(os.listdir(folder))
    folder.chmod(0o555)
    try:
        with pytest.raises(DataError, match=f"{path}: the results table cannot be written "
                                            rf"\(the folder {folder}\).*read-only \(mode 0555\)"):
            append_result(path, make_row(seed=3))
        with pytest.raises(DataError, match=f"{folder / 'runs'}: the runs folder .*mode 0555"):
            check_writable(folder / "runs", "runs folder")
        assert sorted(os.listdir(folder)) == before
    finally:
        folder.chmod(0o755)
    check_writable(folder / "runs", "runs folder")  # writable again: no error


def test_a_table_from_before_the_added_columns_loses_no_row(tmp_path):
    from keras_vis.results.table import ADDED_COLUMNS

    path = tmp_path / "results.csv"
    older = [c for c in RESULTS_COLUMNS if c not in ADDED_COLUMNS]
    row = make_row(device="cpu", real_auc=0.7)
    path.write_text(",".join(older) + "\n" + ",".join(str(row[c]) for c in older) + "\n")
    table = read_results(path)
    assert table.loc[0, "seed"] == 1 and table.loc[0, "device"] == ""
    assert table["real_auc"].isna().all()
    append_result(path, make_row(seed=2, device="NVIDIA H200"))
    table = read_results(path)
    assert open(path).readline().rstrip("\n") == ",".join(RESULTS_COLUMNS)
    assert list(table["seed"]) == [1, 2] and list(table["device"]) == ["", "NVIDIA H200"]
