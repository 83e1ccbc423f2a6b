"""A real MQTT broker for tests: Debian's mosquitto on a free port of 127.0.0.1.

Each broker gets a generated configuration in a temporary folder; with users
it also gets a password file made by ``mosquitto_passwd`` and refuses
anonymous clients. Tests skip with a reason where mosquitto is not installed
(scripts/test installs it).
"""

from __future__ import annotations

from collections.abc import Callable
import getpass
import json
from pathlib import Path
import queue
import shutil
import socket
import subprocess
import time
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
import pytest

from tests.real_hass import free_port

MOSQUITTO = "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = "/usr/bin/mosquitto_passwd"  # noqa: S105 - a program, not a password
# Generous: the machine has two cores shared with other test runs.
START_TIMEOUT = 30.0


class Mosquitto:
    """One mosquitto process, started by start() and stopped by stop()."""

    def __init__(self, folder: Path, users: dict[str, str] | None = None) -> None:
        """Prepare a broker whose files live in ``folder``; ``users`` maps names to passwords."""
        if not Path(MOSQUITTO).exists() or shutil.which(MOSQUITTO_PASSWD) is None:
            pytest.skip("Debian's mosquitto is not installed (apt-get install mosquitto)")
        self.folder = folder
        self.users = users
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the broker's URL, as a worker takes it."""
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Write the configuration, start the broker and wait until it accepts connections."""
        lines = [
            f"listener {self.port} 127.0.0.1",
            "persistence false",
            "log_dest stderr",
            # Started as root, mosquitto would become the user mosquitto, who
            # cannot read the test's private temporary folder.
            f"user {getpass.getuser()}",
        ]
        if self.users is None:
            lines.append("allow_anonymous true")
        else:
            passwords = self.folder / "passwords"
            passwords.touch(mode=0o600)
            for user, password in self.users.items():
                subprocess.run(
                    [MOSQUITTO_PASSWD, "-b", str(passwords), user, password],
                    check=True,
                    capture_output=True,
                )
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        config = self.folder / "mosquitto.conf"
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        log = (self.folder / "mosquitto.log").open("wb")
        self._process = subprocess.Popen(
            [MOSQUITTO, "-c", str(config)], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                log_text = (self.folder / "mosquitto.log").read_text(errors="replace")
                pytest.fail(f"mosquitto exited at start: {log_text}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError:
                time.sleep(0.1)
            else:
                return
        pytest.fail(f"mosquitto did not listen on {self.port} within {START_TIMEOUT} s")

    def stop(self) -> None:
        """Stop the broker (killing it if it does not stop in time)."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None


class Subscriber:
    """A test's own MQTT client: it collects every message on the topics it subscribes to."""

    def __init__(self, broker: Mosquitto, username: str | None = None, password: str = "") -> None:
        """Connect to ``broker`` and start paho's network thread."""
        self.messages: queue.SimpleQueue[tuple[str, bytes, bool]] = queue.SimpleQueue()
        self.seen: list[tuple[str, bytes, bool]] = []
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-{id(self)}")
        if username is not None:
            self._client.username_pw_set(username, password)
        self._client.on_message = self._on_message
        self._client.connect("127.0.0.1", broker.port, keepalive=60)
        self._client.loop_start()

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        """Keep the message, in paho's thread."""
        self.messages.put((message.topic, message.payload, bool(message.retain)))

    def subscribe(self, topic: str) -> None:
        """Subscribe to ``topic`` (wildcards allowed).

        The broker handles a client's packets in order, so a later publish of
        this client reaches it after the subscription.
        """
        self._client.subscribe(topic, qos=1)

    def publish(self, topic: str, payload: bytes) -> None:
        """Publish ``payload`` (QoS 1) and wait until the broker has it."""
        self._client.publish(topic, payload, qos=1).wait_for_publish(START_TIMEOUT)

    def wait_for(
        self, topic: str, check: Callable[[bytes], bool], timeout: float = START_TIMEOUT
    ) -> bytes:
        """Return the first payload on ``topic``, seen before or arriving, that ``check`` takes."""
        for seen_topic, payload, _retain in self.seen:
            if seen_topic == topic and check(payload):
                return payload
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                item = self.messages.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(item)
            if item[0] == topic and check(item[1]):
                return item[1]
        pytest.fail(f"nothing accepted on {topic} within {timeout} s; seen: {self.seen[-5:]}")

    def wait_for_status(
        self, topic: str, check: Callable[[dict[str, Any]], bool], timeout: float = START_TIMEOUT
    ) -> dict[str, Any]:
        """Return the first JSON status on ``topic`` that ``check`` accepts."""
        payload = self.wait_for(topic, lambda data: check(json.loads(data)), timeout)
        status: dict[str, Any] = json.loads(payload)
        return status

    def close(self) -> None:
        """Disconnect and stop the network thread."""
        self._client.disconnect()
        self._client.loop_stop()
