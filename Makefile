# The two commands of README.md. Both create .venv with the pinned packages of
# requirements.txt when it is missing or older than that file.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SLURM_VENV := .venv-slurm
BENCH_VENV := .venv-bench
ARGS ?=

.PHONY: run test slurm-env bench-env bench

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/snakemake --cores 4 $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(ARGS)

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
