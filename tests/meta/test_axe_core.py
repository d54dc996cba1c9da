"""The pinned axe-core download: what does not match its pins is refused, and a changed copy is replaced."""

from __future__ import annotations

import hashlib
import io
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from browser import axe_core


def tarball(script: bytes) -> bytes:
    """A release tarball as npm packs it, holding `package/axe.min.js`."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        member = tarfile.TarInfo(axe_core.MEMBER)
        member.size = len(script)
        archive.addfile(member, io.BytesIO(script))
    return buffer.getvalue()


@dataclass
class Release:
    """A stand-in release pinned in place of the real one: what the registry serves, and where it is kept."""

    script: bytes
    data: bytes
    path: Path
    downloads: list[str] = field(default_factory=list)


@pytest.fixture
def release(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Release:
    script = b"window.axe = {version: 'stand-in'};"
    stand_in = Release(script=script, data=tarball(script), path=tmp_path / "axe.min.js")
    monkeypatch.setattr(axe_core, "TARBALL_INTEGRITY", axe_core._integrity(stand_in.data))
    monkeypatch.setattr(axe_core, "SCRIPT_SHA256", hashlib.sha256(script).hexdigest())
    monkeypatch.setattr(axe_core, "cache_path", lambda version=axe_core.VERSION: stand_in.path)

    def download(url: str) -> bytes:
        stand_in.downloads.append(url)
        return stand_in.data

    monkeypatch.setattr(axe_core, "_download", download)
    return stand_in


def test_the_pinned_release_is_downloaded_once_then_read_from_disk(release: Release) -> None:
    assert axe_core.script() == release.script.decode()
    assert axe_core.script() == release.script.decode()
    assert release.downloads == [axe_core.tarball_url()]
    assert release.path.read_bytes() == release.script


def test_a_tarball_that_does_not_match_its_integrity_is_refused(release: Release) -> None:
    release.data = tarball(b"window.axe = 'something else';")
    with pytest.raises(axe_core.AxeCoreError, match="does not match its pinned integrity"):
        axe_core.script()
    assert not release.path.exists(), "nothing is kept from a refused download"


def test_a_script_that_does_not_match_its_pin_is_refused(release: Release, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(axe_core, "SCRIPT_SHA256", "0" * 64)
    with pytest.raises(axe_core.AxeCoreError, match="not the pinned"):
        axe_core.script()
    assert not release.path.exists()


def test_a_changed_copy_on_disk_is_replaced_by_the_pinned_release(release: Release) -> None:
    release.path.write_bytes(b"window.axe = 'edited by hand';")
    assert axe_core.script() == release.script.decode()
    assert len(release.downloads) == 1
    assert release.path.read_bytes() == release.script


def test_a_failed_download_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(axe_core, "cache_path", lambda version=axe_core.VERSION: tmp_path / "axe.min.js")
    monkeypatch.setattr(axe_core, "REGISTRY", "https://127.0.0.1:9")
    with pytest.raises(axe_core.AxeCoreError, match=r"could not download https://127\.0\.0\.1:9/axe-core/"):
        axe_core.script()


def test_a_place_it_cannot_be_kept_is_a_clear_error(release: Release) -> None:
    release.path.parent.joinpath("not-a-folder").write_text("a file where a folder should be")
    release.path = release.path.parent / "not-a-folder" / "axe.min.js"
    with pytest.raises(axe_core.AxeCoreError, match="could not keep axe-core"):
        axe_core.script()
