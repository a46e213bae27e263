"""Backup and restore: the whole data folder as one archive taken at one consistent moment, and back.

An archive is a gzip'd tar holding MANIFEST.json (what it holds: each file's size and SHA-256, the
revision, the practice) and the folder's files under data/. A backup reads every file while holding the
folder's lock, so no commit lands in between; it compresses after letting go. A restore believes nothing
in an archive it did not check: only plain files, under names our folder uses, each listed in the manifest
with its size and digest; it writes into an empty folder only, and then runs `check`.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import tarfile
import zlib
from pathlib import Path
from typing import Callable

import orjson

from ..core.errors import BadInput, DataFolderError
from ..core.record import record
from ..store.files import FILE_MODE, describe_os_error, fsync_dir, make_dir, read_plain, write_new
from ..store.folder import os_user
from .context import Area

FORMAT = "tui-scheduler backup"
MANIFEST = "MANIFEST.json"
PREFIX = "data/"
# The names a data folder of ours holds: files at its top or one folder down, no hidden ones (locks,
# temp files), nothing with '..'.
_OURS = re.compile(r"^[a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)?$")
MAX_TOTAL = 4 << 30  # bytes an archive may unpack to: more is not a practice's folder


@record
class Archive:
    data: bytes
    manifest: dict


@record
class Restored:
    manifest: dict
    problems: list[str]
    summary: str


def _files_of(root: Path) -> list[str]:
    """Every file of the folder that is ours to back up (relative names), refusing what a data folder
    never holds: links and other non-plain files."""
    out = []
    for top in sorted(os.listdir(root)):
        if top.startswith("."):
            continue
        path = root / top
        mode = os.lstat(path).st_mode
        if stat.S_ISDIR(mode):
            for name in sorted(os.listdir(path)):
                if not name.startswith("."):
                    _plain(path / name, f"{top}/{name}")
                    out.append(f"{top}/{name}")
        else:
            _plain(path, top)
            out.append(top)
    return out


def _plain(path: Path, rel: str) -> None:
    mode = os.lstat(path).st_mode
    if not stat.S_ISREG(mode):
        kind = "a symbolic link" if stat.S_ISLNK(mode) else "a folder" if stat.S_ISDIR(mode) else "not a plain file"
        raise DataFolderError(f"{path} is {kind}; a data folder holds plain files only. Nothing was backed up")
    if not _OURS.match(rel):
        raise DataFolderError(f"{path} is not a file the data folder holds; move it out. Nothing was backed up")


class Backups(Area):
    def take_backup(self, on_wait: Callable[[], None] | None = None) -> Archive:
        """The folder as one archive, read under its lock (`on_wait`: called if that means waiting)."""
        folder = self.ctx.folder
        with folder.held(on_wait):
            practice = self.services.practice()  # a folder without a practice has nothing to back up
            manifest_now = folder.manifest()
            try:
                contents = {rel: read_plain(folder.path / rel) for rel in _files_of(folder.path)}
            except OSError as exc:
                raise DataFolderError(describe_os_error(exc, folder.path, "reading")) from None
        manifest = {
            "format": FORMAT, "version": 1, "created": self.now().isoformat(), "by": self.ctx.user or os_user(),
            "folder": str(folder.path), "practice": practice.name, "timezone": practice.timezone,
            "revision": int(manifest_now.get("revision", 0)),
            "files": {rel: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                      for rel, data in contents.items()},
        }
        buffer = io.BytesIO()
        stamp = int(self.now().timestamp())
        with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as tar:
            _add(tar, MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2), stamp)
            for rel, data in contents.items():
                _add(tar, PREFIX + rel, data, stamp)
        return Archive(buffer.getvalue(), manifest)

    def restore_backup(self, data: bytes) -> Restored:
        """Unpack an archive into this service's folder, which must be empty or not exist yet, then check it."""
        manifest, files = _unpack(data)
        target = self.ctx.folder.path
        _empty_or_new(target)
        made: list[Path] = []
        try:
            make_dir(target)
            for rel, content in files.items():
                path = target / rel
                if not path.parent.is_dir():
                    make_dir(path.parent)
                    made.append(path.parent)
                write_new(path, content)
                made.append(path)
            for d in {target, *(p for p in made if p.is_dir())}:
                fsync_dir(d)
        except OSError as exc:
            for path in reversed(made):  # an empty folder it was, an empty folder it stays
                try:
                    path.rmdir() if path.is_dir() else path.unlink()
                except OSError:
                    pass
            raise BadInput(describe_os_error(exc, target, "restoring into")) from None
        problems, summary = self.services.check_folder()
        return Restored(manifest, problems, summary)


def _add(tar: tarfile.TarFile, name: str, data: bytes, stamp: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), stamp, FILE_MODE
    tar.addfile(info, io.BytesIO(data))


def _unpack(data: bytes) -> tuple[dict, dict[str, bytes]]:
    """The manifest and the files of an archive, each checked; BadInput naming the first thing wrong."""
    try:
        tar = tarfile.open(fileobj=io.BytesIO(data), mode="r:gz")
    except (tarfile.TarError, OSError, EOFError):
        raise BadInput("not a tui-scheduler backup: it is not a gzip'd tar archive. Nothing was restored") from None
    files: dict[str, bytes] = {}
    manifest = None
    total = 0
    try:
        with tar:
            for member in tar:
                name = member.name
                if not member.isfile():
                    what = "a link" if member.issym() or member.islnk() else "not a plain file"
                    raise BadInput(f"the archive's {name[:80]!r} is {what}; a backup holds plain files only. "
                                   f"Nothing was restored")
                if name == MANIFEST and manifest is None:
                    manifest = _manifest(tar.extractfile(member).read())
                    continue
                rel = name[len(PREFIX):] if name.startswith(PREFIX) else ""
                if not _OURS.match(rel) or ".." in rel.split("/"):
                    raise BadInput(f"the archive holds {name[:80]!r}, which is not a file of a data folder "
                                   f"(absolute, '..', or a name the folder never has). Nothing was restored")
                if rel in files:
                    raise BadInput(f"the archive holds {name[:80]!r} twice. Nothing was restored")
                total += member.size
                if total > MAX_TOTAL:
                    raise BadInput("the archive unpacks to more than 4 GB; not a backup of ours. Nothing was restored")
                files[rel] = tar.extractfile(member).read()
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        raise BadInput("the archive is damaged (it ends early or does not unpack). Nothing was restored") from None
    if manifest is None:
        raise BadInput(f"not a tui-scheduler backup: no {MANIFEST} in it. Nothing was restored")
    listed = manifest["files"]
    for rel, content in files.items():
        entry = listed.get(rel)
        if entry is None:
            raise BadInput(f"the archive holds data/{rel}, which its manifest does not list. Nothing was restored")
        if entry.get("size") != len(content) or entry.get("sha256") != hashlib.sha256(content).hexdigest():
            raise BadInput(f"data/{rel} in the archive is not what its manifest says (damaged or changed). "
                           f"Nothing was restored")
    missing = sorted(set(listed) - set(files))
    if missing:
        raise BadInput(f"the archive lacks data/{missing[0]}, which its manifest lists. Nothing was restored")
    if "practice.json" not in files:
        raise BadInput("the archive holds no practice.json: not a backup of a practice. Nothing was restored")
    return manifest, files


def _manifest(raw: bytes) -> dict:
    try:
        manifest = orjson.loads(raw)
    except orjson.JSONDecodeError:
        manifest = None
    if not (isinstance(manifest, dict) and manifest.get("format") == FORMAT and manifest.get("version") == 1
            and isinstance(manifest.get("files"), dict)
            and all(isinstance(v, dict) for v in manifest["files"].values())):
        raise BadInput(f"not a tui-scheduler backup: its {MANIFEST} is not one we write. Nothing was restored")
    return manifest


def _empty_or_new(target: Path) -> None:
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise BadInput(f"no folder {target.parent} to restore {target.name} into") from None
        return
    if not stat.S_ISDIR(mode):
        raise BadInput(f"{target} is {'a symbolic link' if stat.S_ISLNK(mode) else 'a file'}; restore goes into "
                      f"an empty folder or a new one. Nothing was changed")
    if any(os.scandir(target)):
        raise BadInput(f"{target} is not empty; restore goes into an empty folder or a new one (it never "
                      f"mixes a backup with other data). Nothing was changed")
