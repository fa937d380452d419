"""Results of runs: the results table (``table``), its comparison (``compare``) and pictures
(``plot``). Submodules load on use."""
