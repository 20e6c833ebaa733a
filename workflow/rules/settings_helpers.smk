# Each job's settings file (workflow/ablation/settings.py): what a job's result
# depends on beside its input files, so that Snakemake reruns the job when it
# changes, and only then. Every stage's rules declare one.

from ablation.codehash import code_digest
from ablation.settings import write_if_changed
from ablation.software import software


def get_script(rule_name):
    """The path of a rule's script or notebook, as the rule declares it. ``rules``
    knows the rule by the name it has here, even in a module that renames its rules."""
    declared = getattr(rules, rule_name).rule
    return str(on_disk(declared.basedir.join(declared.script or declared.notebook)))


# Where each snakemake process finds the software identities that an earlier one
# read from this environment's metadata (workflow/ablation/software.py), and keeps
# those it reads itself: Snakemake's own folder of the working directory.
KEPT_SOFTWARE_IDENTITIES = Path(".snakemake", "software-identities")


# Where this workflow's paths go: unchanged, or, in a module (a study of a
# `studies:` config, or another project's Snakefile), moved by its prefix. Input
# functions return unmoved paths, which Snakemake moves; the settings files that
# they write must be where Snakemake will look.
PATH_MODIFIER = workflow.modifier.path_modifier


def get_settings(rule_name, make_settings):
    """Input function for a job's settings file (see workflow/ablation/settings.py):
    ``make_settings(wildcards)`` plus the digest of the rule's script and of every
    package module that the script reaches through its imports, and the third-party
    software that this code imports (workflow/ablation/software.py)."""

    def settings_file(wildcards):
        values = dict(wildcards.items())
        name = "-".join(str(values[key]) for key in sorted(values) if key != "dataset")
        folder = Path("results", values.get("dataset", ""), "settings", rule_name)
        path = folder / f"{name or rule_name}.json"
        script = get_script(rule_name)
        settings = make_settings(wildcards) | {"code": code_digest(script)}
        third_party = software(
            script,
            config["software"]["share_cpu_and_gpu_results"],
            KEPT_SOFTWARE_IDENTITIES,
        )
        if third_party:  # none for code that imports only the standard library
            settings["software"] = third_party
        write_if_changed(Path(PATH_MODIFIER.replace_prefix(str(path))), settings)
        return str(path)

    return settings_file
