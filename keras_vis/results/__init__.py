"""Results of runs: the results table (``table``), its comparison (``compare``) and pictures
(``plot``), and the run folder every run leaves (``rundir``), which training writes and
inference and plots read. Submodules load on use."""
