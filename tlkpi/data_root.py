"""What makes a folder a data root, so that a mistyped --data-root is refused instead of filled."""

from __future__ import annotations

from pathlib import Path

# the folders a data root holds once any command has used it (see tlkpi/settings.py)
DATA_ROOT_FOLDERS = (
    *("inbox", "processing", "archive", "rejected", "quarantine", "reference", "outbox", "portal"),
    *("warehouse", "lake", "site", "audit", "private", "prefect"),
)


def not_a_data_root(path: Path) -> str | None:
    """Why `path` is not a data root (missing, a file, a folder of something else); None when it is one
    or an empty folder made for one."""
    if not path.exists():
        return f"the data root {path} does not exist"
    if not path.is_dir():
        return f"the data root {path} is not a folder"
    if any(path.iterdir()) and not any((path / name).is_dir() for name in DATA_ROOT_FOLDERS):
        return f"{path} is not a data root (none of inbox/, warehouse/, site/, prefect/ in it)"
    return None
