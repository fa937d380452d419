"""The run folder's old address: ``keras_vis.results.rundir`` is its home, below training and
inference, which both read run folders (the experiment writes one; predict and evaluate load
models from one). Re-exported here so that ``from keras_vis.training.rundir import RunDir``
keeps working."""

from keras_vis.results.rundir import FOLDER_NAME, HISTORY_METRICS, Backup, RunDir

__all__ = ["FOLDER_NAME", "HISTORY_METRICS", "Backup", "RunDir"]
