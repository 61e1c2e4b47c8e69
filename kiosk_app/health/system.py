"""The machine's own conditions: disk space for the kiosk's data, CPU load and memory."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from kiosk_app.services.health import Condition, Level


def _meminfo() -> dict[str, int]:
    values: dict[str, int] = {}
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                name, _, rest = line.partition(":")
                values[name] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return values


def system_components(data_dir: Path) -> tuple[dict[str, object], list[Condition]]:
    """Disk, CPU and memory as a status component, and the conditions they raise."""
    conditions: list[Condition] = []
    component: dict[str, object] = {}
    try:
        usage = shutil.disk_usage(data_dir if data_dir.exists() else data_dir.parent)
    except OSError as exc:
        conditions.append(Condition("disk", Level.ORANGE, f"unknown: {exc.strerror}"))
    else:
        free = usage.free / usage.total if usage.total else 0.0
        component["disk_free_bytes"] = usage.free
        component["disk_free_ratio"] = round(free, 4)
        if free < 0.05:
            conditions.append(Condition("disk", Level.RED, "disk almost full"))
        elif free < 0.10:
            conditions.append(Condition("disk", Level.YELLOW, "disk space low"))
    cores = os.cpu_count() or 1
    load1 = os.getloadavg()[0]
    component["load1_per_core"] = round(load1 / cores, 3)
    if load1 / cores > 2.0:
        conditions.append(Condition("cpu", Level.YELLOW, "CPU overloaded"))
    memory = _meminfo()
    if "MemAvailable" in memory and memory.get("MemTotal"):
        available = memory["MemAvailable"] / memory["MemTotal"]
        component["memory_available_ratio"] = round(available, 4)
        if available < 0.05:
            conditions.append(Condition("memory", Level.ORANGE, "memory almost exhausted"))
    return component, conditions
