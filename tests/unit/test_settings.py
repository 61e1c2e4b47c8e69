from __future__ import annotations

from pathlib import Path

import pytest

from kiosk_app import settings as settings_mod
from kiosk_app.settings import SettingsError, load


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file() -> None:
    s = load(None, env={})
    assert s.cloud.kind == "dicomweb"
    assert s.printers.report.queue == "KioskPDF"
    assert s.printers.film.queue == "KioskFilm"
    assert s.film.size == "14INX17IN"
    assert s.demo is False


def test_file_values_and_env_override(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[kiosk]
id = "ward-3"
[cloud]
url = "http://pacs.invalid/dicom-web"
read_timeout = 4
[printers.film]
queue = "DryView"
""",
    )
    s = load(
        path, env={"KIOSK_CLOUD__READ_TIMEOUT": "2.5", "KIOSK_PRINTERS__FILM__BACKEND": "folder"}
    )
    assert s.kiosk.id == "ward-3"
    assert s.cloud.url == "http://pacs.invalid/dicom-web"
    assert s.cloud.read_timeout == 2.5  # the environment wins over the file
    assert s.printers.film.queue == "DryView"
    assert s.printers.film.backend == "folder"
    # a section with its own defaults keeps the ones not named
    assert s.printers.report.queue == "KioskPDF"


def test_config_path_from_environment(tmp_path: Path) -> None:
    path = write(tmp_path, '[kiosk]\nid = "from-env"\n')
    assert load(None, env={"KIOSK_CONFIG": str(path)}).kiosk.id == "from-env"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[cloud]\nread_timeout = "soon"\n', "cloud.read_timeout: 'soon' is not a number"),
        ("[cloud]\nread_timeout = 0\n", "cloud.read_timeout: 0 is not a number >= 0.1"),
        ('[cloud]\nkind = "ftp"\n', "cloud.kind: 'ftp' is not one of 'dicomweb', 'local'"),
        ("[film]\ndpi = 300.5\n", "film.dpi: 300.5 is not a whole number"),
        ('[cloud]\nurll = "x"\n', "cloud.urll: unknown setting"),
        ("[printers.report]\nbackend = 1\n", "printers.report.backend: 1 is not one of"),
        ("[policy]\nprint_once = 1\n", "policy.print_once: 1 is not true or false"),
        ("cloud = 3\n", "cloud: expected a table"),
    ],
)
def test_bad_values_name_key_value_and_expectation(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(SettingsError) as info:
        load(write(tmp_path, text), env={})
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not valid TOML"):
        load(write(tmp_path, "[cloud\n"), env={})
    with pytest.raises(SettingsError, match="not found"):
        load(tmp_path / "nope.toml", env={})


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(SettingsError) as info:
        load(None, env={"KIOSK_FILM__DPI": "many"})
    assert str(info.value).startswith("KIOSK_FILM__DPI (film.dpi): 'many' is not a whole number")
    with pytest.raises(SettingsError, match=r"unknown setting 'film\.colour'"):
        load(None, env={"KIOSK_FILM__COLOUR": "1"})


def test_demo_profile_uses_local_archive_and_folder_printers() -> None:
    s = load(None, demo=True, env={})
    assert s.demo
    assert s.cloud.kind == "local"
    assert s.cloud.archive_dir == settings_mod.DEMO_ARCHIVE
    assert s.printers.report.backend == s.printers.film.backend == "folder"
    assert s.output_dir(s.printers.report).is_relative_to(s.kiosk.data_dir)


def test_reference_lists_every_key_and_is_committed() -> None:
    reference = settings_mod.reference_markdown()
    for key, _field in settings_mod.iter_keys():
        assert f"| `{key}` |" in reference
    committed = settings_mod.REPO_ROOT / "docs" / "configuration.md"
    assert committed.read_text(encoding="utf-8") == reference, (
        "docs/configuration.md is stale: "
        "python -m kiosk_app.settings --markdown > docs/configuration.md"
    )
