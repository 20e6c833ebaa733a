"""provenance.git_commit in a real git checkout (the workflow tests run in copies without .git)."""

import subprocess

from ablation.provenance import git_commit

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]


def git(repo, *args) -> str:
    return subprocess.run([*GIT, *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def test_git_commit_is_head_and_dirty_follows_tracked_files(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "tracked.txt").write_text("one\n")
    git(tmp_path, "add", "tracked.txt")
    git(tmp_path, "commit", "-q", "-m", "first")
    head = git(tmp_path, "rev-parse", "HEAD")
    assert git_commit(tmp_path) == {"commit": head, "dirty": False}
    # Untracked files (results, logs) do not make a checkout dirty; an edit to tracked code does.
    (tmp_path / "untracked.txt").write_text("new\n")
    assert git_commit(tmp_path) == {"commit": head, "dirty": False}
    (tmp_path / "tracked.txt").write_text("two\n")
    assert git_commit(tmp_path) == {"commit": head, "dirty": True}


def test_git_commit_is_none_outside_a_checkout(tmp_path, monkeypatch):
    # Git would otherwise walk up past tmp_path into whatever repository holds it.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert git_commit(tmp_path) is None
