"""Training: an experiment config (``config``) -> one run (``experiment.run``) in its run folder
(``rundir``), with the callbacks Keras's own lack (``callbacks``). Submodules load on use."""
