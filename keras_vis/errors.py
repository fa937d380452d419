"""User-facing errors: the command line prints these as one clear line, never a traceback."""


class KerasVisError(Exception):
    """A problem with the user's input (a file, a config, an argument); the message names it."""


class ConfigError(KerasVisError):
    """An experiment config that does not validate (the message names the file and the key)."""


class DataError(KerasVisError):
    """A dataset, recording or cache entry that cannot be used (the message names the file)."""
