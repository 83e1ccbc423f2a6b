"""Measures how late Home Assistant's event loop runs its timers (benchmarks only).

Linked into a benchmark's temporary configuration folder, never installed for
users. Once set up it schedules a tick every :data:`INTERVAL` seconds with
``call_later`` and records how late each tick ran: a callback that holds the
loop (blocking I/O, heavy CPU work in the loop) shows as lateness. The figures
are read and reset with the websocket command ``openeye_loop_probe/lag``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.components import websocket_api
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

DOMAIN = "openeye_loop_probe"
INTERVAL = 0.010


class LagProbe:
    """Ticks every INTERVAL seconds and keeps each tick's lateness in seconds."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start ticking on ``loop``."""
        self._loop = loop
        self.samples: list[float] = []
        self._due = loop.time() + INTERVAL
        self._handle = loop.call_at(self._due, self._tick)

    def _tick(self) -> None:
        """Record how late this tick is and schedule the next one from now."""
        now = self._loop.time()
        self.samples.append(now - self._due)
        self._due = now + INTERVAL
        self._handle = self._loop.call_at(self._due, self._tick)

    def stop(self) -> None:
        """Stop ticking."""
        self._handle.cancel()


def _percentile(ordered: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of sorted values (0 when empty)."""
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Start the probe and register its command."""
    probe = LagProbe(hass.loop)
    hass.data[DOMAIN] = probe

    @websocket_api.websocket_command(
        {vol.Required("type"): f"{DOMAIN}/lag", vol.Optional("reset", default=False): bool}
    )
    @callback
    def ws_lag(
        hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: dict[str, Any]
    ) -> None:
        """Return the lateness figures in milliseconds since the last reset."""
        ordered = sorted(probe.samples)
        connection.send_result(
            msg["id"],
            {
                "samples": len(ordered),
                "p50_ms": 1000 * _percentile(ordered, 0.50),
                "p99_ms": 1000 * _percentile(ordered, 0.99),
                "max_ms": 1000 * (ordered[-1] if ordered else 0.0),
                "mean_ms": 1000 * (sum(ordered) / len(ordered) if ordered else 0.0),
            },
        )
        if msg["reset"]:
            probe.samples.clear()

    websocket_api.async_register_command(hass, ws_lag)
    return True
