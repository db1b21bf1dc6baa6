import pytest

from melody.core import storage


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


def test_an_interrupted_swap_is_recovered(tmp_path):
    target = tmp_path / "model"
    old = tmp_path / ".model.old"
    old.mkdir()
    (old / "model.keras").write_text("the previous good model")
    storage.recover_folder(target)  # as if killed between the two renames
    assert (target / "model.keras").read_text() == "the previous good model" and not old.exists()
