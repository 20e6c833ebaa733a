# The workflow's own files on disk, wherever Snakemake reads the workflow from. Its
# rules, scripts, schema and report captions Snakemake reads from any source; but the
# package workflow/ablation is imported, by the parse and by the jobs, and the
# notebook and its kernel are read by Jupyter, all from a folder. A module read from
# a git source at a tag (`snakefile: github(...)`, as snakedeploy writes it, or
# `gitfile(...)`) has no such folder: its workflow/ folder at that commit is written
# once under .snakemake/ of the working directory, and used from there.

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from snakemake.sourcecache import HostingProviderFile, LocalGitFile, LocalSourceFile


def git_folder(source):
    """(repository, commit, path in the repository) of a folder of a git source."""
    if isinstance(source, LocalGitFile):
        import git

        repository = git.Repo(source.repo_path)
    elif isinstance(source, HostingProviderFile):
        # Snakemake's clone, made when it read the Snakefile.
        repository = source.hosted_repo.repo
    else:
        raise WorkflowError(
            f"{source}: this workflow runs from a local folder or from a git source "
            "(github(...), gitlab(...), gitfile(...); docs/module.md), not from this one"
        )
    return repository, repository.commit(source.ref), source.path


def written_folder(source):
    """The folder on disk that holds ``source``, a folder of the workflow's source."""
    if isinstance(source, LocalSourceFile):
        return Path(source.get_path_or_uri(secret_free=True))
    repository, commit, path = git_folder(source)
    name = hashlib.sha256(f"{source} {commit.hexsha}".encode()).hexdigest()[:16]
    folder = Path(".snakemake", "workflow-source", name)
    if not folder.is_dir():
        # Written beside its place and renamed into it: complete, or not there.
        folder.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{name}."))
        for item in (commit.tree / path).traverse():
            if item.type == "blob":
                target = partial / Path(item.path).relative_to(path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(item.data_stream.read())
        try:
            partial.rename(folder)
        except OSError:  # another Snakemake wrote it meanwhile
            shutil.rmtree(partial)
    return folder.resolve()


# workflow/ of this workflow's source: rules/ is where this file is.
WORKFLOW_SOURCE = workflow.current_basedir.get_basedir()
WORKFLOW_FOLDER = written_folder(WORKFLOW_SOURCE)


def on_disk(source):
    """Where ``source``, a file of workflow/ in the workflow's source, is on disk."""
    if isinstance(source, LocalSourceFile):
        return Path(source.get_path_or_uri(secret_free=True))
    return WORKFLOW_FOLDER / os.path.relpath(source.path, WORKFLOW_SOURCE.path)
