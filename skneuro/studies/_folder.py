"""The output folder of the studies (``--out``): skneuro's, and only skneuro's.

A study folder holds a manifest, ``skneuro-study.json``, naming every file
skneuro wrote there with the SHA-256 of its content. The contract:

- a new folder, or an empty one, becomes a study folder when the first
  study starts (after every option and the data were checked, so that a
  command that fails writes nothing);
- a folder that holds a file the manifest does not name (or that has no
  manifest and is not empty) is refused, and so is a folder where a file
  the manifest names was changed or replaced since skneuro wrote it (a
  results CSV edited or copied in from elsewhere): nothing there is read
  as results, and nothing there is modified;
- every file is written to a temporary file in the folder and renamed over
  the old one (:func:`os.replace` is atomic), so that a study killed at any
  moment leaves the old file or the new one, never a partial one. The
  manifest accepts both versions while the rename is under way;
- outputs get the mode an ordinary write gives: the umask's for a new
  file, the old file's own when it is replaced;
- two commands writing into one folder at once (two studies) keep one
  manifest: each update is merged into the manifest on disk under a lock.
"""

import hashlib
import json
import os
import secrets
import stat
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: one command at a time per folder
    fcntl = None

#: The manifest's name, inside the study folder.
MANIFEST = "skneuro-study.json"
#: Its format; a newer one is refused by name.
FORMAT = 1
#: Files an operating system drops into folders a user browses.
SYSTEM_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
#: Temporary files of an interrupted write start with this (see ``_temporary``).
TEMPORARY_PREFIX = ".skneuro-tmp-"


class StudyFolderError(ValueError):
    """The output folder is not one skneuro may write into."""


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class StudyFolder:
    """An output folder of the studies, checked before anything is written.

    Parameters
    ----------
    path : path-like
        The ``--out`` folder; it need not exist yet.

    Raises
    ------
    StudyFolderError
        When ``path`` is a file or lies below one, holds files skneuro did
        not write, or a file skneuro wrote there was changed since.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skneuro.studies._folder import StudyFolder
    >>> out = Path(tempfile.mkdtemp()) / "results"
    >>> folder = StudyFolder(out)
    >>> folder.write_text("notes.md", "# Notes\\n")
    >>> sorted(p.name for p in out.iterdir())
    ['notes.md', 'skneuro-study.json']
    >>> StudyFolder(out).owns("notes.md")
    True
    >>> (out / "mine.txt").write_text("not skneuro's")
    13
    >>> StudyFolder(out)
    Traceback (most recent call last):
    ...
    skneuro.studies._folder.StudyFolderError: --out ... did not write (mine.txt)...
    """

    def __init__(self, path):
        self.path = Path(path)
        self._files = {}
        self._changed = set()  # the names this object wrote
        self._claimed = False
        self._check()

    # -- reading the folder ------------------------------------------------
    def _check(self):
        path = self.path
        for parent in [path, *path.parents]:
            if parent.exists() and not parent.is_dir():
                where = (
                    "is a file" if parent == path else f"lies below the file {parent}"
                )
                raise StudyFolderError(
                    f"--out {path} {where}; give a folder (new, empty, or one "
                    "skneuro wrote)."
                )
            if parent.exists():
                break
        if not path.exists():
            return
        try:
            entries = {p.name: p for p in path.iterdir()}
        except OSError as exc:
            raise StudyFolderError(f"--out {path} cannot be read: {exc}.") from exc
        manifest = entries.pop(MANIFEST, None)
        for name in list(entries):
            if name in SYSTEM_FILES or name.startswith(TEMPORARY_PREFIX):
                del entries[name]  # the system's, or skneuro's own scratch
        if manifest is None:
            if entries:
                raise self._foreign(sorted(entries))
            return
        self._files = self._read_manifest(manifest)
        self._claimed = True
        foreign = sorted(n for n in entries if n not in self._files)
        if foreign:
            raise self._foreign(foreign)
        for name, digests in self._files.items():
            file = entries.get(name)
            if file is None:
                continue  # a file skneuro wrote and the user removed: rewritten
            if not file.is_file() or _sha256(file) not in digests:
                raise StudyFolderError(
                    f"--out {path}: {name} was changed or replaced since skneuro "
                    "wrote it, so it cannot be trusted as this folder's results. "
                    "Move it out of the folder (skneuro then writes it anew), or "
                    "choose another --out."
                )

    def _foreign(self, names):
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        return StudyFolderError(
            f"--out {self.path} holds files that skneuro did not write ({shown}); "
            "skneuro writes only into a new or empty folder, or one it made "
            f"(which holds its {MANIFEST}), and leaves other files alone: "
            "choose another --out."
        )

    def _read_manifest(self, file):
        try:
            manifest = json.loads(file.read_text(encoding="utf-8"))
            version = manifest["format"]
            files = {
                str(name): set(map(str, digests))
                for name, digests in manifest["files"].items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StudyFolderError(
                f"--out {self.path}: its {MANIFEST} is not a manifest skneuro can "
                f"read ({type(exc).__name__}: {exc}); choose another --out."
            ) from exc
        if version != FORMAT:
            raise StudyFolderError(
                f"--out {self.path} was written by a skneuro whose study folders "
                f"have format {version!r}; this one reads format {FORMAT}: "
                "choose another --out, or use that skneuro."
            )
        return files

    def owns(self, name):
        """Whether ``name`` is a file skneuro wrote here (and it still exists)."""
        return name in self._files and (self.path / name).is_file()

    def read_text(self, name):
        """The text of a file skneuro wrote here."""
        if name not in self._files:
            raise FileNotFoundError(f"{self.path / name} is not a file of this study")
        return (self.path / name).read_text(encoding="utf-8")

    # -- writing -----------------------------------------------------------
    def claim(self):
        """Make the folder a study folder (created, with its manifest).

        Called when a study starts writing, once everything was checked.
        """
        if self._claimed:
            return
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StudyFolderError(f"--out {self.path} cannot be made: {exc}.") from exc
        self._save_manifest()
        self._claimed = True

    def write_text(self, name, text):
        """Write ``text`` to the file ``name`` in the folder, atomically."""
        self.write(name, lambda file: file.write(text.encode("utf-8")))

    def write(self, name, write):
        """Write the file ``name`` through ``write(binary_file)``, atomically.

        The content goes to a temporary file that gets the mode an ordinary
        write would give (the old file's when there is one), is flushed to
        disk, listed in the manifest, and renamed over ``name``; then the
        manifest forgets the old content.
        """
        if name == MANIFEST or "/" in name or name.startswith("."):
            raise ValueError(f"{name!r} is not a name of a study file")
        self.claim()
        target = self.path / name
        tmp = self._temporary(target)
        try:
            with open(tmp, "r+b") as file:
                write(file)
                file.flush()
                os.fsync(file.fileno())
            digest = _sha256(tmp)
            before = self._files.get(name, set())
            self._files[name] = before | {digest}
            self._changed.add(name)
            self._save_manifest()
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._files[name] = {digest}
        self._save_manifest()

    def _temporary(self, target):
        """A new empty file beside ``target``, with the mode a write gives it."""
        while True:
            tmp = self.path / f"{TEMPORARY_PREFIX}{secrets.token_hex(6)}"
            try:
                # 0o666 less the umask: the mode open(path, "w") gives.
                fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o666)
            except FileExistsError:
                continue
            break
        try:
            if target.exists():
                os.chmod(fd, stat.S_IMODE(target.stat().st_mode))
        finally:
            os.close(fd)
        return tmp

    @contextmanager
    def _locked(self):
        """Hold a lock on the folder itself (none where fcntl is missing)."""
        if fcntl is None:
            yield
            return
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _save_manifest(self):
        """Write the manifest: the one on disk, with this object's files."""
        with self._locked():
            target = self.path / MANIFEST
            if target.exists():
                files = self._read_manifest(target)
                files.update({k: self._files[k] for k in self._changed})
                self._files = files
            self._write_manifest(target)

    def _write_manifest(self, target):
        text = json.dumps(
            {
                "format": FORMAT,
                "written_by": "skneuro study",
                "files": {k: sorted(v) for k, v in sorted(self._files.items())},
            },
            indent=2,
        )
        tmp = self._temporary(target)
        try:
            with open(tmp, "w", encoding="utf-8") as file:
                file.write(text + "\n")
                file.flush()
                os.fsync(file.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
