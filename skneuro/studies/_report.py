"""The report of the studies: ``report.md`` beside the CSVs and PNGs.

Each study writes its own section (``<study>.md``) when it finishes; the
report gathers the sections of every study in the folder, so that studies
run one at a time into the same ``--out`` end up in one report.
"""

import json
import platform
from importlib.metadata import PackageNotFoundError, version

from skneuro.studies._results import write_text_atomic

PACKAGES = ("skneuro", "scikit-learn", "torch", "torchvision", "skorch", "numpy")


def _versions():
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found) + f"; Python {platform.python_version()}"


def _file_name(study):
    return study.replace("-", "_")


def write_section(out, study, text):
    """Keep ``study``'s section of the report in ``out``."""
    write_text_atomic(out / f"{_file_name(study)}.md", text)


def write_report(out, studies, *, command, seconds):
    """Write ``report.md`` in ``out`` (atomically) and return its path."""
    sections, settings = [], []
    for study in studies:
        name = _file_name(study)
        section = out / f"{name}.md"
        if not section.exists():
            continue
        sections.append(section.read_text(encoding="utf-8"))
        kept = json.loads((out / f"{name}.settings.json").read_text(encoding="utf-8"))
        settings.append(
            f"- `{study}`: " + ", ".join(f"{k}={v}" for k, v in kept.items())
        )
    text = "\n".join(
        [
            "# skneuro studies",
            "",
            f"Last command: `{command}`, {seconds:.0f} s of wall time (runs "
            "finished by earlier commands are read back, not redone).",
            "",
            "Settings of each study:",
            "",
            *settings,
            "",
            f"Versions: {_versions()}.",
            "",
            *sections,
        ]
    )
    path = out / "report.md"
    write_text_atomic(path, text)
    return path
