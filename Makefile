# The two commands of README.md. Both create .venv with exactly the packages of
# requirements.lock (hash-checked) when it is missing or older than the lock.
# requirements.txt is the hand-edited list; `make lock` resolves it into the lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
GPU_LOCK := requirements-gpu.lock
SLURM_VENV := .venv-slurm
BENCH_VENV := .venv-bench
GPU_VENV := .venv-gpu
# uv (locked in requirements.lock) installs the lock; INSTALLER=pip forces plain pip.
INSTALLER ?= uv
ARGS ?=

.PHONY: run test test-quick lock check-platforms docs-figures arm64-study slurm-env bench-env bench gpu-env

# Installs lock file $(2) into the venv $(1), hash-checked: with uv when it can be
# installed from the lock's own hash-checked entry (`uv pip sync` also removes any
# package the lock no longer lists), else with pip, which installs the same set.
# Both compile every module to bytecode at install: where PYTHONDONTWRITEBYTECODE is
# set (as in CI), Python would otherwise compile TensorFlow and Snakemake anew in
# every process, which doubles the time of a dry run and of every job's start.
define install_lock
	test -x $(1)/bin/python || $(PYTHON) -m venv $(1)
	awk '/^uv==/ {found = 1} found {print} found && !/\\$$/ {exit}' $(LOCK) > $(1)/uv-requirement.txt
	if [ "$(INSTALLER)" = uv ] \
		&& $(1)/bin/python -m pip install --quiet --require-hashes --no-deps -r $(1)/uv-requirement.txt; then \
		$(1)/bin/uv pip sync --quiet --compile-bytecode --python $(1)/bin/python --require-hashes $(2); \
	else \
		echo "installing $(2) with pip"; \
		$(1)/bin/python -m pip install --quiet --require-hashes -r $(2); \
	fi
endef

# The Makefile is a prerequisite too: how it installs is part of what .venv is.
$(STAMP): $(LOCK) Makefile
	$(call install_lock,$(VENV),$(LOCK))
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/snakemake --cores 4 $(ARGS)

# Everything, the end-to-end tests (marker e2e: real snakemake runs of the tiny study
# in .test/) included; CI runs this.
test: $(STAMP)
	$(BIN)/python -m pytest $(ARGS)

# The edit loop: the unit tests only, no snakemake run and no notebook (tests/conftest.py
# refuses an unmarked test that starts one). Collecting no test at all (pytest's exit
# code 5) fails like any other error.
test-quick: $(STAMP)
	$(BIN)/python -m pytest -m "not e2e and not slurm" $(ARGS)

# Refreshes both locks after an edit of requirements.txt or requirements-gpu.txt, from
# PyPI (uv's default index). requirements.lock is one universal lock for every
# platform and Python that README names (CPython 3.11 and newer; markers choose each
# platform's TensorFlow): .ci/check_platforms.py checks that each of them installs it.
# requirements-gpu.lock is TensorFlow's CUDA build, for Linux x86-64 alone. Versions
# already locked stay as they are unless the edit needs otherwise; ARGS=--upgrade
# takes the newest of everything.
LOCK_OPTIONS := --generate-hashes --python-version 3.11 --custom-compile-command "make lock" $(ARGS)
lock: $(STAMP)
	$(BIN)/uv pip compile --quiet $(LOCK_OPTIONS) --universal requirements.txt -o $(LOCK)
	$(BIN)/uv pip compile --quiet $(LOCK_OPTIONS) --python-platform x86_64-manylinux_2_28 \
		requirements-gpu.txt -o $(GPU_LOCK)

# Whether requirements.lock installs on each platform and Python that README names,
# asked of PyPI with uv's cross-platform dry run (needs the network; CI runs it).
check-platforms: $(STAMP)
	$(BIN)/python .ci/check_platforms.py $(ARGS)

# Redraws every figure under docs/figures/ with the current code, from the files of
# the real runs kept beside them (docs/figures/figures.yaml; ARGS="--from CLONE" keeps
# a new run's files first).
docs-figures: $(STAMP)
	$(BIN)/python docs/figures/redraw.py $(ARGS)

# The tiny study on Linux aarch64 for real, emulated by QEMU in an arm64 Debian userland
# kept in .arm64/ (as root, with the network; far longer than CI allows).
arm64-study:
	bash .ci/arm64_study.sh $(ARGS)

# An environment layered on .venv (a .pth file), so that extras stay out of it.
define layered_venv
	test -x $(1)/bin/python || $(PYTHON) -m venv $(1)
	$(BIN)/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])" \
		> "$$($(1)/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")/mnist-ablation-venv.pth"
	$(1)/bin/python -m pip install --quiet -r $(2)
endef

# For the SLURM test and for clusters: Debian's SLURM and munge (as root, when
# apt-get is there), and .venv-slurm = .venv plus the executor plugin, which stays
# out of .venv because importing it runs SLURM client commands on every snakemake
# call. slurmctld lives in /usr/sbin, which a normal user's PATH may lack.
slurm-env: $(STAMP)
	test -x /usr/sbin/slurmctld || command -v slurmctld >/dev/null \
		|| { test "$$(id -u)" = 0 && command -v apt-get >/dev/null \
			&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge; } \
		|| echo "slurm-env: slurm-wlm and munge are not installed; as root: apt-get install slurm-wlm munge"
	$(call layered_venv,$(SLURM_VENV),requirements-slurm.txt)

# benchmarks/run.py: PyTorch for the side-by-side comparison, kept out of .venv.
bench-env: $(STAMP)
	$(call layered_venv,$(BENCH_VENV),requirements-bench.txt)

bench: bench-env
	$(BENCH_VENV)/bin/python benchmarks/run.py $(ARGS)

# TensorFlow's CUDA build (requirements-gpu.txt, locked in requirements-gpu.lock) in a
# venv of its own: tensorflow and tensorflow-cpu cannot share one. Linux x86-64 with an
# NVIDIA driver; without a GPU it runs on the CPU like .venv.
gpu-env: $(STAMP)
	$(call install_lock,$(GPU_VENV),$(GPU_LOCK))
