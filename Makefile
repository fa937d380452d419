# Two commands set up everything on a fresh machine (Python 3.11, no GPU):
#   make demo   the main job on the built-in synthetic data
#   make test   the test suite (what CI runs)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# TensorFlow trains the default experiment (motion_lag_fusion at small) about twice as fast
# as JAX on CPU (README, "Benchmarks"); any of tensorflow, jax, torch works:
# make demo BACKEND=jax trains it as the shipped default was trained.
BACKEND ?= $(or $(KERAS_BACKEND),tensorflow)

.PHONY: demo test check venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

demo: venv
	$(PY) -m keras_vis demo --backend $(BACKEND)

# Two workers on 2 cores, more (up to 4) where there are more; a file per worker at a time
# (--dist loadfile), so each file's module fixtures are made once.
test: venv
	$(PY) -m pytest -q --numprocesses auto --maxprocesses 4 --dist loadfile

# The fast tier for the inner loop (under 2 minutes on 2 cores): the suite without the tests
# marked slow and without the files that train, decode or start backends in subprocesses,
# which `make test` (what CI runs) keeps.
CHECK_SKIPS := tests/zoo/test_every_model.py tests/training/test_experiment.py tests/benchmarks \
	tests/commands/test_demo_command.py tests/commands/test_predict_command.py tests/inference \
	tests/test_checkpoints.py tests/test_reliability.py tests/data/test_dataset.py
check: venv
	$(PY) -m pytest -q -m "not slow" --numprocesses auto --maxprocesses 4 --dist loadfile \
		$(addprefix --ignore=,$(CHECK_SKIPS))

clean:
	rm -rf $(VENV) runs .cache data
