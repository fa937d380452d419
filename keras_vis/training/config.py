"""Experiment configs: a TOML file -> a validated, frozen ``ExperimentConfig``.

A config value, a ``--set key=value`` flag and a Python API argument all land here, so they
reach the same code. Validation happens before any work starts: an unknown key, a wrong type or
an unknown model / preset / task is a ``ConfigError`` naming the file and the key.

Example:
>>> config = ExperimentConfig.from_dict({"model": {"name": "resnet_gru_fusion"}}, source="inline")
>>> config.train.epochs > 0
True
"""

from __future__ import annotations

import dataclasses
import json
import math
import shlex
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, Sequence

# Lists and defaults are defined once, where they are used (numpy only; no keras): the
# augmentation switches by the augmenter, tasks and pair defaults by the pair drawing, styles by
# the generator.
from keras_vis.data.augment import SWITCHES as AUGMENTATIONS
from keras_vis.data.pairs import OFFSET_RANGE_S, TASKS, TOLERANCE_S, WINDOWS
from keras_vis.data.synthetic import STYLES
from keras_vis.errors import ConfigError

OPTIMIZERS = ("adam", "adamw", "sgd")
# The shipped recipe's augmentation switches (the default); every other switch starts off.
RECIPE_AUGMENTATIONS = ("crop", "flip", "color", "time_jitter", "gain", "noise", "eq")
SCHEDULES = ("constant", "cosine")
# Keras dtype policies a run trains under (``zoo.build(dtype=...)``): weights stay float32.
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    name: str = "motion_lag_fusion"
    preset: str = "small"
    # Keyword overrides passed to zoo.build, e.g. {fusion = "late"}.
    overrides: dict = dataclasses.field(default_factory=dict)
    # A pre-trained run folder or .keras file whose ``init_parts`` start this model (the same
    # model and preset); "" starts from scratch.
    init: str = ""
    init_parts: list = dataclasses.field(
        default_factory=lambda: ["video_encoder", "audio_encoder"])


@dataclasses.dataclass(frozen=True)
class SyntheticConfig:
    """Arguments of ``keras_vis generate``, used when the dataset folder is missing."""

    recordings: int = 160
    seconds: float = 12.0
    seed: int = 0
    style: str = "v2"


@dataclasses.dataclass(frozen=True)
class DatasetConfig:
    """A dataset folder in the Greatest Hits layout; generated first when ``synthetic`` is set."""

    root: str = "data/synthetic-v2-160"
    synthetic: SyntheticConfig | None = None


@dataclasses.dataclass(frozen=True)
class DataConfig:
    task: str = "mixed"
    dataset: DatasetConfig = DatasetConfig(synthetic=SyntheticConfig())
    # When set, the test metrics are measured on this dataset's test split instead: the
    # out-of-distribution check (trained on one generator style, tested on the other).
    test_dataset: DatasetConfig | None = None
    val_fraction: float = 0.15
    test_fraction: float = 0.15
    split_seed: int = 0
    # Real/fake pairs drawn per recording: every epoch for train, once for val and test.
    train_pairs_per_recording: int = 12
    eval_pairs_per_recording: int = 24
    sync_offset_min_s: float = OFFSET_RANGE_S[0]
    sync_offset_max_s: float = OFFSET_RANGE_S[1]
    sync_tolerance_s: float = TOLERANCE_S
    # "events": clip windows around annotated events; "anywhere": uniform (see data/pairs.py).
    windows: str = "events"
    cache_dir: str = ""
    # Folders of real videos with their own sound (``keras_vis.data.footage``), trained on beside
    # ``dataset``: split by source video; ``footage_weight`` is their share of the train batches.
    footage: list = dataclasses.field(default_factory=list)
    footage_weight: float = 0.5
    # Epochs of ``dataset`` alone before the footage joins the train batches (a curriculum for
    # models that stall at chance when footage is there from the first step); 0 mixes at once.
    footage_after_epochs: int = 0


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    epochs: int = 12
    batch_size: int = 16
    optimizer: str = "adam"
    learning_rate: float = 3e-3
    schedule: str = "cosine"
    # Epochs (a fraction is fine) over which the rate climbs linearly from a hundredth of
    # learning_rate before the schedule starts; 0 starts at learning_rate.
    warmup_epochs: float = 0.0
    weight_decay: float = 0.0
    # Stop when val accuracy has not improved for this many epochs; 0 never stops early.
    early_stopping_patience: int = 0
    seed: int = 0
    workers: int = 1
    # Weight of the lag loss (keras_vis.training.lag_loss) beside the binary loss; 0 is off.
    lag_loss: float = 0.0
    # The layers' dtype policy; "mixed_bfloat16" runs the convolutions in bfloat16 where the
    # hardware has it (CPUs with AVX512_BF16 or AMX, recent GPUs). The checkpoint loads in float32.
    precision: str = "float32"
    # Named parts (``video_encoder``, ``audio_encoder``, ``fusion_head``) whose weights stay fixed.
    freeze: list = dataclasses.field(default_factory=list)
    # Fit p_real's scale on the footage's validation part after training (needs data.footage).
    calibrate: bool = False
    augment: dict = dataclasses.field(
        default_factory=lambda: {name: name in RECIPE_AUGMENTATIONS for name in AUGMENTATIONS}
    )


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Real footage scored at the end of the run (``keras_vis.inference.evaluate``'s protocol):
    folders of videos with their own sound. Never trained on. A folder that is missing when the
    run ends leaves the real-clip columns empty, with a warning: no run needs them to train."""

    clips: list = dataclasses.field(default_factory=list)
    # Footage folders whose held-out part (split by source video as ``data.footage`` would
    # split them) fills the footage_* columns of a run that does not train on them: the run
    # without footage of a pair is measured on what its partner held out.
    footage: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class ExperimentConfig:
    name: str = "experiment"
    description: str = ""
    model: ModelConfig = ModelConfig()
    data: DataConfig = DataConfig()
    train: TrainConfig = TrainConfig()
    eval: EvalConfig = EvalConfig()

    @classmethod
    def from_dict(cls, raw: dict, source: str = "<config>") -> "ExperimentConfig":
        """Build and validate a config from nested dicts; ``source`` names it in errors."""
        if not set(raw) - {"name", "description"}:
            _refuse_empty(source)
        config = _build(cls, raw, source, prefix="")
        _check_values(config, source)
        _check_footage_and_parts(config, source)
        return config

    @classmethod
    def from_toml(cls, path: str | Path, overrides: list[str] = ()) -> "ExperimentConfig":
        """Load ``experiments/<name>.toml`` (with the file it ``extends``, if any), apply
        ``key=value`` overrides, validate.

        The name is the file's stem (or its ``name`` key) whatever the overrides: a run
        started with ``--set`` stays a run of this experiment, and ``variant_overrides``
        says what it changed (the results table's ``overrides`` column).
        """
        path = Path(path)
        raw = _read_extended(path, chain=())
        raw.setdefault("name", path.stem)
        for item in overrides:
            apply_override(raw, item, str(path))
        raw["name"] = overridden_name(raw["name"], overrides)
        config = cls.from_dict(raw, source=str(path))
        # Not a field: two runs of one config must resolve alike however it was reached.
        object.__setattr__(config, "_variant", variant_overrides(overrides))
        return config

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)


def _read_extended(path: Path, chain: tuple[Path, ...]) -> dict:
    """The TOML table at ``path`` deep-merged over the file its ``extends`` names (relative to
    ``path``'s folder, itself possibly extending another), with ``extends`` removed.

    A variant is then its few changed lines: tables merge key by key, any other value (a list
    too) replaces the base's. ``name`` is never inherited (a variant is its own experiment)."""
    if not path.is_file():
        via = f" (extended by {chain[-1]})" if chain else ""
        raise ConfigError(f"{path}: no such config file{via}")
    if path.resolve() in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path.resolve()))
        raise ConfigError(f"{chain[0]}: extends itself in a cycle: {cycle}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    base = raw.pop("extends", None)
    if base is None:
        return raw
    if not isinstance(base, str) or not base:
        raise ConfigError(f"{path}: extends must be a file name, got {base!r}")
    inherited = _read_extended(path.parent / base, (*chain, path.resolve()))
    inherited.pop("name", None)
    return _deep_merge(inherited, raw)


def _deep_merge(base: dict, update: dict) -> dict:
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


# Overrides that leave an experiment what it is: its seed, its loader's threads, the clips
# and footage that score it. Any other override is a variant, recorded in the results table's
# ``overrides`` column (``variant_overrides``), so a table never averages the two.
SAME_EXPERIMENT = ("train.seed", "train.workers", "eval.clips", "eval.footage", "name")


def overridden_name(name: str, overrides: Sequence[str]) -> str:
    """The experiment's name under ``overrides``: ``name`` itself (a ``--set name=...`` is
    already applied to it). A run with ``--set`` keeps its experiment's name, so ``plot X.toml``
    and ``compare --filter X`` find it; what it changed is ``variant_overrides``.

    >>> overridden_name("lag_small", ["train.seed=1", "model.overrides.grid=32"])
    'lag_small'
    """
    return name


def variant_overrides(overrides: Sequence[str]) -> str:
    """The overrides that make a run a variant of its experiment, as its results row records
    them (``SAME_EXPERIMENT`` left out; space-separated ``key=value``).

    >>> variant_overrides(["train.seed=1", "model.overrides.grid=32", "train.epochs=2"])
    'model.overrides.grid=32 train.epochs=2'
    """
    changed = []
    for item in overrides:
        key, _, value = item.partition("=")
        if key.strip() not in SAME_EXPERIMENT:
            item = f"{key.strip()}={value.strip()}"
            # Quoted only where a value holds a space, so the column reads as --set flags.
            changed.append(shlex.quote(item) if any(c.isspace() for c in item) else item)
    return " ".join(changed)


def config_overrides(config: "ExperimentConfig") -> str:
    """``variant_overrides`` of the ``--set`` flags ``config`` was loaded with (``from_toml``);
    "" for a config built otherwise."""
    return getattr(config, "_variant", "")


def apply_override(raw: dict, item: str, source: str) -> None:
    """Apply one ``dotted.key=value`` (the value parsed as TOML, else taken as a string)."""
    key, sep, text = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"{source}: --set {item!r}: expected key=value, e.g. train.epochs=3")
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        value = text
    node = raw
    parts = key.strip().split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"{source}: --set {key}: {part} is not a table")
    node[parts[-1]] = value


def _build(cls, raw: Any, source: str, prefix: str):
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{source}: {prefix.rstrip('.') or 'config'} must be a table, "
            f"got {type(raw).__name__} {raw!r}"
        )
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        names = ", ".join(f"{prefix}{k}" for k in unknown)
        known = ", ".join(f"{prefix}{k}" for k in fields)
        raise ConfigError(f"{source}: unknown key {names} (known: {known})")
    hints = typing.get_type_hints(cls)
    values = {}
    for name, value in raw.items():
        values[name] = _coerce(hints[name], value, source, f"{prefix}{name}")
    return cls(**values)


def _coerce(hint, value, source: str, key: str):
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _coerce_union(hint, value, source, key)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, source, prefix=f"{key}.")
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    expected = dict if hint is dict else hint
    if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
        raise ConfigError(
            f"{source}: {key} must be {expected.__name__}, got {type(value).__name__} {value!r}"
        )
    _check_finite(value, source, key)
    return value


def _coerce_union(hint, value, source: str, key: str):
    """``A | B | None``: None (Python's; TOML has no null) is None when allowed; otherwise
    each type is tried in order. A string is never read as None: ``"none"`` stays a string
    where a string is allowed and is an error elsewhere."""
    args = typing.get_args(hint)
    options = [h for h in args if h is not type(None)]
    optional = len(options) < len(args)
    if value is None and optional:
        return None
    errors = []
    for option in options:
        try:
            return _coerce(option, value, source, key)
        except ConfigError as error:
            errors.append((option, error))
    for option, error in errors:
        # A table meant for a table type: its own error (an unknown nested key) says more.
        if len(errors) == 1 or (isinstance(value, dict)
                                and (option is dict or dataclasses.is_dataclass(option))):
            raise _with_unset_hint(error, value, optional) from None
    allowed = " or ".join(
        "a table" if option is dict or dataclasses.is_dataclass(option) else option.__name__
        for option in options
    )
    raise _with_unset_hint(
        ConfigError(f"{source}: {key} must be {allowed}, got {type(value).__name__} {value!r}"),
        value, optional,
    ) from None


def _with_unset_hint(error: ConfigError, value, optional: bool) -> ConfigError:
    if optional and isinstance(value, str) and value.strip().lower() in ("none", "null", ""):
        return ConfigError(f"{error} (a string never means 'unset': leave the key out)")
    return error


def _check_finite(value, source: str, key: str) -> None:
    """nan and inf (valid TOML floats) are no setting: reject them anywhere, also inside tables
    such as ``model.overrides``."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{source}: {key} must be a finite number, got {value!r}")
    if isinstance(value, dict):
        for name, item in value.items():
            _check_finite(item, source, f"{key}.{name}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_finite(item, source, f"{key}[{index}]")


def _check_values(config: ExperimentConfig, source: str) -> None:
    def fail(key, message):
        raise ConfigError(f"{source}: {key}: {message}")

    data, train = config.data, config.train
    _check_name(config.name, source)
    if data.task not in TASKS:
        fail("data.task", f"unknown task {data.task!r} (known: {', '.join(TASKS)})")
    for key, dataset in (("data.dataset", data.dataset), ("data.test_dataset", data.test_dataset)):
        if dataset and dataset.synthetic and dataset.synthetic.style not in STYLES:
            fail(f"{key}.synthetic.style", f"unknown style (known: {', '.join(STYLES)})")
    if train.optimizer not in OPTIMIZERS:
        fail("train.optimizer", f"unknown optimizer (known: {', '.join(OPTIMIZERS)})")
    if train.schedule not in SCHEDULES:
        fail("train.schedule", f"unknown schedule (known: {', '.join(SCHEDULES)})")
    if not 0 <= train.warmup_epochs < train.epochs:  # also nan
        fail("train.warmup_epochs", f"must be at least 0 and fewer than train.epochs "
                                    f"({train.epochs}), got {train.warmup_epochs}")
    if train.precision not in PRECISIONS:
        fail("train.precision", f"unknown precision {train.precision!r} "
                                f"(known: {', '.join(PRECISIONS)})")
    unknown = sorted(set(train.augment) - set(AUGMENTATIONS))
    if unknown:
        fail("train.augment", f"unknown switch {unknown} (known: {', '.join(AUGMENTATIONS)})")
    if any(not isinstance(v, bool) for v in train.augment.values()):
        fail("train.augment", "every switch must be true or false")
    for key in ("epochs", "batch_size", "workers"):
        if getattr(train, key) < 1:
            fail(f"train.{key}", "must be at least 1")
    for key in ("train_pairs_per_recording", "eval_pairs_per_recording"):
        if getattr(data, key) < 1:
            fail(f"data.{key}", f"must be at least 1, got {getattr(data, key)}")
    if not 0 < train.learning_rate < math.inf:  # also nan, for a config built in Python
        fail("train.learning_rate", f"must be a positive finite number, got {train.learning_rate}")
    if not 0 <= train.lag_loss < math.inf:
        fail("train.lag_loss", f"must be a finite number >= 0, got {train.lag_loss}")
    _check_ranges(config, fail)
    if not 0 < data.val_fraction < 1 or not 0 < data.test_fraction < 1:
        fail("data.val_fraction/test_fraction", "must lie between 0 and 1")
    if not 0 < data.sync_offset_min_s < data.sync_offset_max_s:
        fail("data.sync_offset_min_s", "need 0 < sync_offset_min_s < sync_offset_max_s")
    if data.windows not in WINDOWS:
        fail("data.windows", f"unknown windows {data.windows!r} (known: {', '.join(WINDOWS)})")
    if data.sync_tolerance_s >= data.sync_offset_min_s:
        fail("data.sync_tolerance_s", "must be smaller than sync_offset_min_s")
    for key in ("clips", "footage"):
        if any(not isinstance(folder, str) or not folder for folder in getattr(config.eval, key)):
            fail(f"eval.{key}", "must be a list of folder paths")
    _check_model(config.model, source)


def _check_model(model: ModelConfig, source: str) -> None:
    """Unknown model or preset names fail here, before any data work starts."""
    import zoo

    known = zoo.list_models()
    if model.name not in known:
        raise ConfigError(
            f"{source}: model.name: unknown model {model.name!r} (known: {', '.join(known)})"
        )
    presets = zoo.presets(model.name)
    if model.preset not in presets:
        raise ConfigError(
            f"{source}: model.preset: unknown preset {model.preset!r} for {model.name} "
            f"(known: {', '.join(presets)})"
        )
    _check_overrides(model, source)


def _check_overrides(model: ModelConfig, source: str) -> None:
    """``model.overrides`` may only name options of the model's builder (else zoo.build would
    fail after the data work; a typo would never train)."""
    import difflib

    from zoo import registry
    from zoo.preset import FUSIONS

    known = set(registry.parameters(model.name))
    for option in sorted(set(model.overrides) - known):
        close = difflib.get_close_matches(option, sorted(known), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(
            f"{source}: model.overrides.{option}: unknown option for {model.name} "
            f"({hint}known: {', '.join(sorted(known))})"
        )
    fusion = model.overrides.get("fusion", FUSIONS[0])
    if fusion not in FUSIONS:
        raise ConfigError(
            f"{source}: model.overrides.fusion: unknown fusion {fusion!r} "
            f"(known: {', '.join(FUSIONS)})"
        )
    for option, value in model.overrides.items():
        problem = _override_problem(option, value)
        if problem:
            raise ConfigError(f"{source}: model.overrides.{option}: {problem}, got {value!r}")


# Builder options that count things (units, channels, cells, kernel sizes): each integer in
# them, alone or in a list, is at least 1. A 0 divides by zero or builds an empty layer.
_COUNT_OPTIONS = ("grid", "widths", "video_widths", "audio_width", "num_mel_bins", "projection",
                  "gru_units", "head_units", "temporal_width", "temporal_stages", "dilations",
                  "stem_kernel", "tolerance_frames")


def _check_name(name: str, source: str) -> None:
    """``name`` must be one safe path component: it names the run folder's parent, and a
    ``..``, a slash or an absolute path would write the runs anywhere."""
    from keras_vis.files import is_safe_name

    if not is_safe_name(name):
        raise ConfigError(
            f"{source}: name: {name!r} is not a safe experiment name (letters, digits and "
            f"- _ . + = only, not '.' or '..'): it names the folder runs/<name>/"
        )


def _refuse_empty(source: str) -> None:
    """An empty config would train every default (40 generated recordings, 10 epochs): more
    likely a wrong or blank file than a wish."""
    raise ConfigError(
        f"{source}: the experiment is empty; a minimal one names its model and its data: "
        f'[model] name = "motion_lag_fusion", preset = "tiny"; [data.dataset] root = '
        f'"data/synthetic-studio" (with a [data.dataset.synthetic] table to generate it); '
        f"see experiments/*.toml"
    )


def _check_ranges(config: ExperimentConfig, fail) -> None:
    """Numbers that type-check but mean nothing: a negative decay or patience, an empty
    synthetic dataset, a negative tolerance."""
    data, train = config.data, config.train
    if not 0 <= train.weight_decay < math.inf:
        fail("train.weight_decay", f"must be a finite number >= 0, got {train.weight_decay}")
    if train.early_stopping_patience < 0:
        fail("train.early_stopping_patience",
             f"must be >= 0 (0 never stops early), got {train.early_stopping_patience}")
    if data.sync_tolerance_s < 0:
        fail("data.sync_tolerance_s", f"must be >= 0, got {data.sync_tolerance_s}")
    for key, dataset in (("data.dataset", data.dataset), ("data.test_dataset", data.test_dataset)):
        synthetic = dataset.synthetic if dataset else None
        if synthetic is None:
            continue
        if synthetic.recordings < 1:
            fail(f"{key}.synthetic.recordings", f"must be at least 1, got {synthetic.recordings}")
        if not 0 < synthetic.seconds < math.inf:
            fail(f"{key}.synthetic.seconds", f"must be a positive number, got {synthetic.seconds}")


def _override_problem(option: str, value) -> str | None:
    """What is wrong with a builder option's value, for the options whose range is known."""
    def numbers(item):
        return list(item) if isinstance(item, (list, tuple)) else [item]

    if option == "dropout":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
            return "must be a number in [0, 1)"
    elif option == "max_lag_s":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            return "must be a positive number of seconds"
    elif option in _COUNT_OPTIONS:
        counts = [n for n in numbers(value) if isinstance(n, int) and not isinstance(n, bool)]
        if any(n < 1 for n in counts):
            return "every count in it must be at least 1"
    return None


def _check_footage_and_parts(config: ExperimentConfig, source: str) -> None:
    """The real-footage and pre-training keys: folders, weight, part names, calibration."""
    from zoo.layers.parts import PARTS

    data, train, model = config.data, config.train, config.model
    if any(not isinstance(folder, str) or not folder for folder in data.footage):
        raise ConfigError(f"{source}: data.footage: must be a list of folder paths")
    if not 0 < data.footage_weight < 1:
        raise ConfigError(f"{source}: data.footage_weight: must lie between 0 and 1 (its share "
                          f"of the train batches), got {data.footage_weight}")
    if data.footage_after_epochs and not data.footage:
        raise ConfigError(f"{source}: data.footage_after_epochs: needs data.footage (the "
                          f"folders that join the train batches after that many epochs)")
    if not 0 <= data.footage_after_epochs < train.epochs:
        raise ConfigError(f"{source}: data.footage_after_epochs: must be at least 0 and fewer "
                          f"than train.epochs ({train.epochs}), got {data.footage_after_epochs}")
    for key, names in (("model.init_parts", model.init_parts), ("train.freeze", train.freeze)):
        unknown = [name for name in names if name not in PARTS]
        if unknown:
            raise ConfigError(f"{source}: {key}: unknown part(s) {unknown} "
                              f"(known: {', '.join(PARTS)})")
    if model.init and not model.init_parts:
        raise ConfigError(f"{source}: model.init_parts: name at least one part to load")
    if train.calibrate and not data.footage:
        raise ConfigError(f"{source}: train.calibrate: needs data.footage (p_real is fitted on "
                          f"the footage's validation part, never on clips that measure a model)")
