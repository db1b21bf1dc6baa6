import pytest

from melody import storage


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "mapping.json"
    storage.atomic_write_text(path, "old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(storage.os, "replace", broken_replace)
    with pytest.raises(OSError):
        storage.atomic_write_text(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["mapping.json"]  # no temporary left


def test_folders_are_swapped_whole(tmp_path):
    target = tmp_path / "data"
    target.mkdir()
    (target / "a.txt").write_text("old")
    staging = storage.staging_folder(target)
    (staging / "b.txt").write_text("new")
    storage.replace_folder(staging, target)
    assert sorted(p.name for p in target.iterdir()) == ["b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
