"""The documentation matches the repository: README's Layout names the tree, every
relative link resolves, no committed config points outside the repository, and every
documented `snakemake` / `make run` command works in a fresh clone.

Convention for documented commands (README.md and docs/*.md; fenced `bash` blocks
and inline code): a command that needs more than a fresh clone with `.venv` says so
in its page's introduction (the text before the first `## ` heading) or in its own
`## ` section, with the phrase below, which the test requires:

- a command whose dry run plans a `fetch` job downloads data: "needs the internet"
  (or "need the internet");
- `.venv-slurm/...` or `--profile profiles/slurm`: "`make slurm-env`";
- `.venv-gpu/...`: "`make gpu-env`";
- `~/mnist-ablation/...` (run from another project): "`tests/test_module.py`", which runs it;
- `--report FILE`: "after a run" (a report needs results; the test dry-runs the
  command without `--report FILE`).

Commands of the SLURM, GPU and other-project kinds are only checked for
their phrase; every other command is dry-run (`-n`; `make run ARGS="... -n"`) in a
copy of the repository's files with no `../shared` beside it. `/path/to/NAME` in a
command or example file stands for a directory of the reader's: the test substitutes
an empty directory. A command with `...` in it is a pattern, not a command. A `yaml`
block whose first line is `# NAME.yaml` is an example file the reader writes: the test
writes it into the copy first.
"""

import csv
import os
import re
import shlex
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from itertools import product
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from project import REPO, SNAKEMAKE
from shared_studies import shared_study

README = REPO / "README.md"
COMMAND_PAGES = [README, *sorted((REPO / "docs").glob("*.md"))]
LINKED_PAGES = [*COMMAND_PAGES, REPO / "config" / "README.md"]
MAX_README_LINES = 200

FENCE = re.compile(r"^\s*```(\S*)\s*$")
HEADING = re.compile(r"^(#{1,6}) (.*)$")
INLINE_CODE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
PLACEHOLDER = re.compile(r"/path/to/([\w.-]+)")
EXAMPLE_FILE = re.compile(r"^# ([\w.-]+\.ya?ml)\s*$")
SHELL_LANGUAGES = {"bash", "sh", "shell", "console"}
# (what a command needs, how to recognise it, the phrase that must be near it, dry-run it?)
NEEDS = [
    (
        "a SLURM environment",
        lambda argv: (
            any(arg.startswith(".venv-slurm/") for arg in argv) or "profiles/slurm" in argv
        ),
        "`make slurm-env`",
        False,
    ),
    (
        "the GPU environment",
        lambda argv: any(arg.startswith(".venv-gpu/") for arg in argv),
        "`make gpu-env`",
        False,
    ),
    ("another project", lambda argv: argv[0].startswith("~/"), "`tests/test_module.py`", False),
    ("results", lambda argv: "--report" in argv, "after a run", True),
]
NETWORK_PHRASE = re.compile(r"\bneeds?\s+the\s+internet\b")


# --- reading the pages ----------------------------------------------------------------


def parse(page: Path):
    """The page as (intro, sections, blocks): the text before the first `## ` heading,
    {section title: text}, and [(section title, language, code)] of its fenced blocks.
    Prose (outside code) of each section is in ``sections``; code blocks are not."""
    intro, sections, blocks = [], {}, []
    section, language, code = None, None, None
    for line in page.read_text().splitlines():
        if fence := FENCE.match(line):
            if code is None:
                language, code = fence.group(1), []
            else:
                blocks.append((section, language, "\n".join(code)))
                code = None
            continue
        if code is not None:
            code.append(line)
            continue
        heading = HEADING.match(line)
        if heading and len(heading.group(1)) == 2:
            section = heading.group(2).strip()
            sections[section] = []
        (intro if section is None else sections[section]).append(line)
    return "\n".join(intro), {title: "\n".join(text) for title, text in sections.items()}, blocks


def command_argv(text: str) -> list[str] | None:
    """The argument list of a snakemake or `make run` command line, else None."""
    try:
        argv = shlex.split(text, comments=True)
    except ValueError:
        return None
    if not argv or any("..." in arg for arg in argv):  # a pattern such as ARGS="...", not a command
        return None
    if argv[0] == "snakemake" or argv[0].endswith("/snakemake"):
        return argv
    if argv[0].endswith("/python") and argv[1:3] == ["-m", "snakemake"]:
        return argv
    if argv[:2] == ["make", "run"]:
        return argv
    return None


def shell_lines(code: str) -> list[str]:
    """The command lines of a shell block, backslash continuations joined."""
    lines, current = [], ""
    for line in code.splitlines():
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
        else:
            lines.append(current + line)
            current = ""
    return lines


def documented_commands():
    """[(page, argv, text near it)] of every documented command, in page order."""
    commands = []
    for page in COMMAND_PAGES:
        intro, sections, blocks = parse(page)
        near = lambda section: intro + "\n" + sections.get(section, "")  # noqa: E731, B023 (used in this iteration)
        for section, language, code in blocks:
            if language in SHELL_LANGUAGES:
                for line in shell_lines(code):
                    if argv := command_argv(line):
                        commands.append((page, argv, near(section) + "\n" + code))
        for section, text in [(None, intro), *sections.items()]:
            for span in INLINE_CODE.findall(text):
                if argv := command_argv(span):
                    commands.append((page, argv, near(section)))
    return commands


def example_files():
    """{file name: content} of the example config files the pages show."""
    files = {}
    for page in COMMAND_PAGES:
        for _, language, code in parse(page)[2]:
            if language in ("yaml", "yml") and (name := EXAMPLE_FILE.match(code.splitlines()[0])):
                files[name.group(1)] = code
    return files


def github_anchor(title: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    titles, in_code = [], False
    for line in page.read_text().splitlines():
        if FENCE.match(line):
            in_code = not in_code
        elif not in_code and (heading := HEADING.match(line)):
            titles.append(heading.group(2))
    return {github_anchor(title) for title in titles}


# --- README: length, contents, layout ---------------------------------------------------


def test_readme_is_short_and_its_contents_list_every_section():
    lines = README.read_text().splitlines()
    assert len(lines) <= MAX_README_LINES, (
        f"README.md has {len(lines)} lines (at most {MAX_README_LINES})"
    )
    _, sections, _ = parse(README)
    listed = set(re.findall(r"\]\(#([^)]+)\)", sections["Contents"]))
    assert listed == {github_anchor(title) for title in sections} - {"contents"}


def test_readme_shows_the_two_commands_on_its_first_screen():
    """What it is (a paragraph and the variants), then the two commands, within 30 lines."""
    lines = README.read_text().splitlines()[:30]
    assert "## The two commands" in lines
    assert any(line.startswith("make run ") for line in lines)
    assert any(line.startswith("make test ") for line in lines)


def layout_entries() -> list[str]:
    """The paths README's Layout names: the first word of each unindented line."""
    _, _, blocks = parse(README)
    (code,) = [code for section, _, code in blocks if section == "Layout"]
    return [line.split()[0] for line in code.splitlines() if line and not line[0].isspace()]


def expand(entry: str) -> list[str]:
    """{a,b} alternatives and * wildcards, as a shell would expand them here."""
    parts = re.split(r"\{([^}]*)\}", entry)
    words = [
        "".join(choice)
        for choice in product(
            *[part.split(",") if index % 2 else [part] for index, part in enumerate(parts)]
        )
    ]
    paths = []
    for word in words:
        if "*" in word:
            matches = sorted(str(path.relative_to(REPO)) for path in REPO.glob(word))
            assert matches, f"README's Layout names {word}, which matches nothing"
            paths += matches
        else:
            paths.append(word)
    return paths


def test_every_path_in_the_layout_exists():
    missing = [
        path
        for entry in layout_entries()
        for path in expand(entry)
        if not (REPO / path).exists() or (path.endswith("/") and not (REPO / path).is_dir())
    ]
    assert missing == [], f"README's Layout names paths that do not exist: {missing}"


def test_the_layout_names_every_top_level_entry_and_every_part_of_workflow():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout.split()
    assert tracked, "git ls-files listed nothing"
    entries = {path.split("/")[0] for path in tracked}
    entries |= {"/".join(path.split("/")[:2]) for path in tracked if path.startswith("workflow/")}
    named = set()
    for entry in layout_entries():
        for path in expand(entry):
            parts = Path(path).parts
            named |= {"/".join(parts[:depth]) for depth in range(1, len(parts) + 1)}
    assert sorted(entries - named) == [], "README's Layout does not name these tracked paths"


# --- links and configs ------------------------------------------------------------------


@pytest.mark.parametrize("page", LINKED_PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_every_relative_link_resolves(page):
    broken = []
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(target)
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(target)
    assert broken == [], f"{page.name}: links to nothing: {broken}"


def test_committed_configs_name_no_local_directory():
    """Mirrors in committed configs are URLs: a local path would exist only on one machine."""
    local = []
    for path in sorted((REPO / "config").glob("*.yaml")):
        sources = ((yaml.safe_load(path.read_text()) or {}).get("data") or {}).get("sources") or {}
        for dataset, source in sources.items():
            local += [
                f"{path.name}: {dataset}: {mirror}"
                for mirror in source.get("mirrors", [])
                if not re.match(r"https?://", mirror)
            ]
    assert local == []


# The word issue followed by a number (with or without #): a tracker that is not in the
# repository.
TRACKER_NUMBER = re.compile(r"\bissues? #?\d+\b", re.I)


def test_no_file_names_a_tracker_number():
    """The repository speaks of behaviour: a reader cannot follow an issue number."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    named = []
    for name in tracked.stdout.split("\0"):
        path = REPO / name
        if name and path.is_file() and path.suffix not in {".png", ".gz", ".lock", ".svg"}:
            text = path.read_text(errors="replace")
            named += [f"{name}: {match.group()}" for match in TRACKER_NUMBER.finditer(text)]
    assert named == []


def test_each_test_module_opens_with_the_behaviour_it_specifies():
    """The tests read as one specification: every test module says first what it checks."""
    silent = [
        path.name
        for path in sorted((REPO / "tests").glob("test_*.py"))
        if not path.read_text().startswith('"""')
    ]
    assert silent == []


# --- every documented command, in a fresh copy --------------------------------------------


def test_the_convention_finds_the_documented_commands():
    """The collector is not blind: it finds the README's commands and the fair ablation's."""
    found = {" ".join(argv) for _, argv, _ in documented_commands()}
    assert "make run" in found
    assert ".venv/bin/snakemake --cores 2 tuning --configfile config/tuning.yaml" in found
    assert (
        ".venv-slurm/bin/python -m snakemake --profile profiles/slurm "
        "--default-resources slurm_partition=compute slurm_account=my_project" in found
    )


def fresh_copy(destination: Path) -> Path:
    """The files a commit of this working tree holds, without .git, results or caches."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, destination / name)
    # make's prerequisite, the installed .venv, is there already.
    (destination / ".venv").symlink_to((REPO / ".venv").resolve())
    return destination


def dry_run(argv: list[str]) -> list[str]:
    """The command as run here: this environment's snakemake, dry run."""
    if argv[:2] == ["make", "run"]:
        rest = [f"{arg} -n" if arg.startswith("ARGS=") else arg for arg in argv[2:]]
        if not any(arg.startswith("ARGS=") for arg in rest):
            rest.append("ARGS=-n")
        # -o: take .venv/.installed as up to date (the shared .venv is not reinstalled).
        return ["make", "-o", ".venv/.installed", "run", *rest]
    start = 3 if argv[1:3] == ["-m", "snakemake"] else 1
    args = argv[start:]
    if "--report" in args:
        at = args.index("--report")
        args = args[:at] + args[at + 2 :]
    return [SNAKEMAKE, *args, "-n"]


def planned_by(command: list[str]) -> tuple[str, ...]:
    """What decides a dry run's plan: the snakemake arguments, whether given to make
    run or to snakemake, without --cores (a plan does not depend on it). Commands with
    the same plan are dry-run once."""
    args = command[1:]
    if command[0] == "make":
        args = shlex.split(
            " ".join(arg.removeprefix("ARGS=") for arg in command if arg.startswith("ARGS="))
        )
    if "--cores" in args:
        at = args.index("--cores")
        args = args[:at] + args[at + 2 :]
    return tuple(arg for arg in args if arg != "-n")


def test_commands_with_the_same_plan_are_recognised():
    assert planned_by(dry_run(["make", "run"])) == planned_by(
        dry_run(["snakemake", "--cores", "2"])
    )
    assert planned_by(
        dry_run(["make", "run", "ARGS=--configfile config/quick.yaml"])
    ) == planned_by(dry_run([".venv/bin/snakemake", "--configfile", "config/quick.yaml"]))
    assert planned_by(dry_run(["snakemake", "tuning"])) != planned_by(dry_run(["snakemake"]))


def dry_run_each(copy: Path, commands, env) -> list[subprocess.CompletedProcess]:
    """The commands, one after another, in ``copy``."""
    return [
        subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=600)
        for command in commands
    ]


@shared_study
def documented_dry_runs(root):
    """Every documented command that a dry run can check, dry-run in a fresh copy of the
    repository with nothing beside it: what each command's line is (``documented``:
    where, what it needs, the text near it, its plan), the failures found by reading the
    pages, and each plan's dry run (``ran``). The dry runs are independent: they run two
    at a time, in two fresh copies (two snakemake processes in one directory would write
    the same settings files), each copy's share in page order."""
    placeholders = root / "placeholders"
    substitute = lambda text: PLACEHOLDER.sub(  # noqa: E731
        lambda match: str(placeholders / match.group(1)), text
    )
    for name in PLACEHOLDER.findall("\n".join(page.read_text() for page in COMMAND_PAGES)):
        (placeholders / name).mkdir(parents=True, exist_ok=True)
    copies, envs = [], []
    for index in range(2):
        copy = fresh_copy(root / f"clone{index}")
        assert not (copy.parent / "shared").exists()
        for name, content in example_files().items():
            (copy / name).write_text(substitute(content))
        cache = root / f"cache{index}"
        cache.mkdir()
        copies.append(copy)
        envs.append(os.environ | {"SNAKEMAKE_OUTPUT_CACHE": str(cache)})

    failures, planned = [], {}
    documented = []
    for page, argv, near in documented_commands():
        where = f"{page.relative_to(REPO)}: {shlex.join(argv)}"
        needs = [(what, phrase, runs) for what, applies, phrase, runs in NEEDS if applies(argv)]
        failures += [
            f"{where}: needs {what}, but the page does not say {phrase!r} near it"
            for what, phrase, _ in needs
            if phrase not in near
        ]
        if not all(runs for _, _, runs in needs):
            continue
        command = dry_run([substitute(arg) for arg in argv])
        planned.setdefault(planned_by(command), command)
        documented.append((where, needs, near, planned_by(command)))
    keys, commands = list(planned), list(planned.values())
    with ThreadPoolExecutor(max_workers=2) as executor:
        shares = [
            executor.submit(dry_run_each, copy, commands[index::2], env)
            for index, (copy, env) in enumerate(zip(copies, envs))
        ]
        results = [share.result() for share in shares]
    return SimpleNamespace(
        documented=documented,
        failures=failures,
        ran={key: results[index % 2][index // 2] for index, key in enumerate(keys)},
    )


@pytest.mark.e2e
def test_every_documented_command_works_in_a_fresh_clone(documented_dry_runs):
    documented, ran = documented_dry_runs.documented, documented_dry_runs.ran
    failures = list(documented_dry_runs.failures)
    assert ran, "no documented command was dry-run"
    for where, needs, near, key in documented:
        result = ran[key]
        output = result.stdout + result.stderr
        if result.returncode != 0:
            failures.append(f"{where}: the dry run failed:\n{output[-3000:]}")
        elif (
            not needs
            and re.search(r"^fetch\s+\d+\s*$", output, re.M)
            and not NETWORK_PHRASE.search(near)
        ):
            failures.append(
                f"{where}: downloads (plans fetch jobs), but the page does not "
                "say 'needs the internet' near it"
            )
    assert failures == [], "\n\n".join(failures)


def test_the_numbers_the_docs_quote_are_the_committed_results():
    # docs/findings.md's accuracies are CI's reference table's (which CI's metrics diff
    # holds every run to), and docs/development.md's timings are benchmarks/results.md's.
    text = " ".join((REPO / "docs" / "findings.md").read_text().split())
    reference = {
        row["variant"]: float(row["test_accuracy_mean"])
        for row in csv.DictReader((REPO / "config" / "reference" / "ci-summary.csv").open())
        if row["dataset"] == "mnist"
    }
    quoted = re.search(
        r"test accuracy stays near chance \((\S+)\).*ReLU ends at (\S+) test "
        r"accuracy, sigmoid at (\S+) ",
        text,
    ).groups()
    assert quoted == (
        f"{reference['v3_no_pooling']:.2f}",
        f"{reference['v2_relu']:.3f}",
        f"{reference['v1_sigmoid']:.3f}",
    )

    text = " ".join((REPO / "docs" / "development.md").read_text().split())
    results = " ".join((REPO / "benchmarks" / "results.md").read_text().split())
    study = re.search(
        r"the default study took (\d+)–(\d+) s, (\S+)× (\(\S+\)) its lower bound "
        r"and (\S+)× (\(\S+\)) the plain Keras script.* built every target in "
        r"(\d+) s",
        text,
    ).groups()
    walls = [
        int(wall)
        for wall in re.findall(
            r"\| \d \| (\d+) \| \d+ \| \d+ \| \d+ \| \d+ \| \d+ \|",
            results.split("## The study against the plain")[0],
        )
    ]
    assert (study[0], study[1]) == (str(min(walls)), str(max(walls)))
    assert f"Wall / bound {study[2]} {study[3]}" in results
    assert f"Ratio {study[4]} {study[5]}" in results
    warm = float(re.search(r"warm-cache clone (\S+) s", results).group(1))
    assert study[6] == f"{warm:.0f}"
