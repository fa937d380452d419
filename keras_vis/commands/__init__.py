"""Sub-commands of ``python -m keras_vis``: one module each, registered in keras_vis.cli."""
