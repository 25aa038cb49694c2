"""A published folder is replaced whole or not at all; what a killed run leaves is repaired next time."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.site.staging import RETIRED_PREFIX, STAGING_PREFIX, publication_lock, staged_folder


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def publish(target: Path, files: dict[str, str], keep: tuple[str, ...] = ()) -> None:
    with publication_lock(target), staged_folder(target, keep) as staging:
        for name, text in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_text(text)


def test_a_new_folder_replaces_the_old_one_whole_and_keeps_earlier_editions(tmp_path: Path) -> None:
    target = tmp_path / "site" / "2025-T3"
    publish(target, {"index.html": "1", "old.html": "1", "editions/1/index.html": "e1"})
    publish(target, {"index.html": "2"}, keep=("editions",))
    assert tree(target) == {"index.html": b"2", "editions/1/index.html": b"e1"}
    assert [p.name for p in target.parent.iterdir() if not p.name.endswith(".lock")] == ["2025-T3"]


def test_a_render_that_fails_leaves_the_published_folder_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "site" / "2025-T3"
    publish(target, {"index.html": "1", "data/a.csv": "1"})
    with pytest.raises(RuntimeError), publication_lock(target), staged_folder(target) as staging:
        (staging / "index.html").write_text("half")
        raise RuntimeError("killed half way")
    assert tree(target) == {"index.html": b"1", "data/a.csv": b"1"}
    assert not list(target.parent.glob(f"{STAGING_PREFIX}*"))


def test_leftovers_of_a_killed_run_are_cleaned_or_put_back(tmp_path: Path) -> None:
    target = tmp_path / "site" / "2025-T3"
    publish(target, {"index.html": "1"})
    retired = target.parent / f"{RETIRED_PREFIX}2025-T3-x"  # killed between the two renames of the fallback
    retired.mkdir()
    target.rename(retired / target.name)
    (target.parent / f"{STAGING_PREFIX}2025-T3-y").mkdir()  # killed while writing
    publish(target, {"index.html": "2"}, keep=("editions",))
    assert tree(target) == {"index.html": b"2"}
    assert sorted(p.name for p in target.parent.iterdir() if not p.name.endswith(".lock")) == ["2025-T3"]
