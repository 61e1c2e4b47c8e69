"""The package and the demo's set-up provide every library Qt's X11 and Wayland plugins link.

Without ``libxcb-cursor0`` (and libxcb-icccm4, libxcb-keysyms1) the xcb platform plugin did not
load ("could not load the Qt platform plugin xcb") and the kiosk aborted. For each plugin the
kiosk can use on X11 or Wayland, each library it links directly (ELF NEEDED) that the PySide6
wheel does not bring is looked up with dpkg and must be in installer/deb/control.in's Depends
and in scripts/setup.sh's runtime profile.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: Plugins for X11 (xcb and its GL integrations) and Wayland (the platform, its EGL client
#: buffer integration, the xdg-shell the compositors speak).
PLUGINS = (
    "platforms/libqxcb.so",
    "platforms/libqwayland.so",
    "xcbglintegrations/libqxcb-egl-integration.so",
    "xcbglintegrations/libqxcb-glx-integration.so",
    "wayland-graphics-integration-client/libqt-plugin-wayland-egl.so",
    "wayland-shell-integration/libxdg-shell.so",
)
#: What every Debian system has (priority required, and python3 depends on them).
BASE = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g", "libzstd1"}


def _needed(library: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(library)], capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)


def _owners(paths: set[str]) -> dict[str, str]:
    """The Debian package owning each path (one dpkg call; /lib and /usr/lib both tried)."""
    candidates: dict[str, str] = {}
    for path in paths:
        real = str(Path(path).resolve())
        for candidate in (path, real, real.removeprefix("/usr"), "/usr" + real):
            candidates.setdefault(candidate, path)
    found = subprocess.run(["dpkg", "-S", *candidates], capture_output=True, text=True).stdout
    owners: dict[str, str] = {}
    for line in found.splitlines():
        package, _, owned = line.partition(": ")
        if owned in candidates:
            owners[candidates[owned]] = package.split(":", 1)[0]
    missing = paths - owners.keys()
    assert not missing, f"no Debian package owns {sorted(missing)}"
    return owners


def _system_packages() -> dict[str, set[str]]:
    """The Debian package of each system library a plugin links: package -> plugins."""
    pyside = pytest.importorskip("PySide6")
    qt = Path(pyside.__file__).parent / "Qt"
    bundled = {p.name for p in (qt / "lib").iterdir()}
    links: dict[str, set[str]] = {}  # library path -> plugins
    for plugin in PLUGINS:
        path = qt / "plugins" / plugin
        assert path.exists(), f"{plugin} is not in the PySide6 wheel any more"
        resolved = dict(
            re.findall(
                r"^\s*(\S+) => (\S+)",
                subprocess.run(
                    ["ldd", str(path)],
                    capture_output=True,
                    text=True,
                    env={"LD_LIBRARY_PATH": str(qt / "lib")},
                ).stdout,
                re.M,
            )
        )
        for soname in _needed(path):
            if soname in bundled:
                continue
            where = resolved.get(soname, "not found")
            assert where != "not found", f"{plugin} needs {soname}, which is not installed"
            links.setdefault(where, set()).add(Path(plugin).name)
    packages: dict[str, set[str]] = {}
    for path, package in _owners(set(links)).items():
        packages.setdefault(package, set()).update(links[path])
    return packages


@pytest.fixture(scope="module")
def system_packages() -> dict[str, set[str]]:
    for tool in ("readelf", "ldd", "dpkg"):
        if shutil.which(tool) is None:
            pytest.skip(
                f"{tool} is not installed (binutils, libc-bin, dpkg: scripts/setup.sh test)"
            )
    return _system_packages()


def test_the_package_depends_on_every_qt_platform_library(
    system_packages: dict[str, set[str]],
) -> None:
    control = (REPO / "installer" / "deb" / "control.in").read_text()
    depends = re.search(r"^Depends:(.*)$", control, re.M)
    assert depends is not None
    declared = {re.split(r"[\s(]", d.strip())[0] for d in depends.group(1).split(",")}
    missing = {p: sorted(w) for p, w in system_packages.items() if p not in declared | BASE}
    assert not missing, f"control.in Depends lacks (package: plugins that link it) {missing}"
    assert {"libxcb-cursor0", "libwayland-client0"} <= set(system_packages)


def test_the_runtime_setup_installs_every_qt_platform_library(
    system_packages: dict[str, set[str]],
) -> None:
    setup = (REPO / "scripts" / "setup.sh").read_text()
    runtime = re.search(r"^RUNTIME_PACKAGES=\((.*?)^\)", setup, re.M | re.S)
    assert runtime is not None
    listed = set(re.sub(r"#.*", "", runtime.group(1)).split())
    missing = {p: sorted(w) for p, w in system_packages.items() if p not in listed | BASE}
    assert not missing, f"setup.sh's RUNTIME_PACKAGES lacks {missing}"
