"""The report of the studies: ``report.md`` beside the CSVs and PNGs.

Each study writes its own section (``<study>.md``) when it finishes; the
report gathers the sections of every study in the folder, so that studies
run one at a time into the same ``--out`` end up in one report.
"""

import json
import platform
from importlib.metadata import PackageNotFoundError, version

PACKAGES = ("skneuro", "scikit-learn", "torch", "torchvision", "skorch", "numpy")


def _versions():
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found) + f"; Python {platform.python_version()}"


def file_stem(study):
    """The stem of a study's files: ``"pool-interpolate"`` -> ``"pool_interpolate"``."""
    return study.replace("-", "_")


def _setting(value):
    if isinstance(value, dict) and "fingerprint" in value:
        return f"{value.get('path')} ({value['fingerprint'][:19]})"
    return value


def write_section(folder, study, text):
    """Keep ``study``'s section of the report in the study folder."""
    folder.write_text(f"{file_stem(study)}.md", text)


def write_report(folder, studies, *, command, seconds):
    """Write ``report.md`` in the study folder and return its path."""
    sections, settings = [], []
    for study in studies:
        name = file_stem(study)
        if not folder.owns(f"{name}.md"):
            continue
        sections.append(folder.read_text(f"{name}.md"))
        if folder.owns(f"{name}.settings.json"):
            kept = json.loads(folder.read_text(f"{name}.settings.json"))
            settings.append(
                f"- `{study}`: "
                + ", ".join(f"{k}={_setting(v)}" for k, v in kept.items())
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
    folder.write_text("report.md", text)
    return folder.path / "report.md"
