"""``python -m keras_vis prepare ROOT --preset NAME``: decode a dataset once into the clip cache."""

from __future__ import annotations


def register(subparsers, parents) -> None:
    p = subparsers.add_parser(
        "prepare", parents=parents, help="decode every recording once into the clip cache",
        description="Decode every usable recording under ROOT at the clip spec of PRESET (frames "
        "at its fps and size, audio at its sample rate) into the clip cache. Entries already "
        "valid for the spec and the current files are kept, so running it again is a no-op. "
        "Cache: --cache-dir, else $KERAS_VIS_CACHE, else ~/.cache/keras-vis.",
    )
    p.add_argument("root", help="dataset folder (Greatest Hits layout)")
    p.add_argument("--preset", default="tiny", help="clip preset name (default: tiny)")
    p.add_argument("--cache-dir", default=None, help="cache folder (default: $KERAS_VIS_CACHE "
                   "or ~/.cache/keras-vis)")
    p.add_argument("--workers", type=int, default=None,
                   help="decoding processes (default: one per CPU)")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=main)


def main(args) -> int:
    from keras_vis.data.cache import prepare
    from keras_vis.errors import ConfigError
    from zoo.clip import clip_preset

    try:
        clip = clip_preset(args.preset)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {args.workers}")
    cache = prepare(args.root, clip, cache_dir=args.cache_dir, workers=args.workers, quiet=args.quiet)
    print(f"{args.root}: {len(cache)} recordings cached at {clip.key()} in {cache.directory} "
          f"(dataset fingerprint {cache.fingerprint}), {len(cache.skipped)} skipped")
    for item in cache.skipped:
        print(f"  skipped {item['id']}: {item['reason']}")
    return 0
