"""A release's version is its git tag: in the sdist built at the tag, and in the wheel built from that sdist where
there is no git at all (as pip and distributions build it). Offline: the build backend is the test environment's."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TAG = "v9.8.7"


def run(command: list[str | Path], cwd: Path) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def tagged_copy(target: Path) -> Path:
    """The repository's files as they are now (committed or not), in a fresh git repository tagged TAG."""
    listed = run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], ROOT).split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git = ["git", "-c", "user.name=release test", "-c", "user.email=release@example.invalid"]
    run([*git, "init", "-q"], target)
    run([*git, "add", "-A"], target)
    run([*git, "commit", "-q", "-m", "release"], target)
    run([*git, "tag", TAG], target)
    return target


def test_the_tag_is_the_version_of_the_sdist_and_of_a_wheel_built_from_it_without_git(tmp_path: Path) -> None:
    source = tagged_copy(tmp_path / "repo")
    run([sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", tmp_path / "dist"], source)
    (sdist,) = (tmp_path / "dist").glob("*.tar.gz")
    assert sdist.name == "fmp_elt-9.8.7.tar.gz"
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
        archive.extractall(tmp_path / "unpacked", filter="data")
    assert {"fmp_elt-9.8.7/LICENSE", "fmp_elt-9.8.7/CHANGELOG.md"} <= set(names)

    unpacked = tmp_path / "unpacked" / "fmp_elt-9.8.7"
    assert not (unpacked / ".git").exists()
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "--wheel-dir", wheels]
    run([*pip, unpacked], tmp_path)
    (wheel,) = wheels.glob("*.whl")
    assert wheel.name.startswith("fmp_elt-9.8.7-")
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read("fmp_elt-9.8.7.dist-info/METADATA").decode()
        assert "fmp_elt-9.8.7.dist-info/licenses/LICENSE" in archive.namelist()
    assert "\nVersion: 9.8.7\n" in metadata
    assert "\nLicense-Expression: MIT\n" in metadata


def test_the_changelog_has_a_section_per_release_for_the_release_notes() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[0] == "## [Unreleased]"
    for heading in headings[1:]:
        version = heading.split("]")[0].removeprefix("## [")
        assert [int(part) for part in version.split(".")], heading  # X.Y.Z, as the release workflow looks it up
