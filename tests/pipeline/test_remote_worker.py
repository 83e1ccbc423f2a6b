"""The remote worker against a real broker: its status, its last will, its cameras, bad input.

Each test starts Debian's mosquitto on a free port (tests/pipeline/mosquitto.py)
and the worker's command in its own process, with :class:`JsonTestCodec`
standing in for pipeline/wire.py. Nothing waits for a fixed time: the tests
wait for messages, with generous timeouts for a busy two-core machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
import json
from pathlib import Path
import signal
import subprocess
import sys
import time
from typing import Any

import numpy as np
import pytest

from custom_components.openeye.pipeline import wire
from custom_components.openeye.pipeline.gallery import KnownFaces, KnownPerson
from custom_components.openeye.pipeline.messages import (
    AddCamera,
    RemoveCamera,
    SetGallery,
    SourceStatusChanged,
    Stop,
)
from custom_components.openeye.pipeline.mqtt_link import (
    BrokerAddress,
    LinkError,
    Topics,
    check_name,
    parse_broker_url,
)
from custom_components.openeye.pipeline.settings import SourceSettings
from tests.pipeline.mosquitto import Mosquitto, Subscriber

ROOT = Path(__file__).resolve().parents[2]
# The command as a user starts it on another machine, without Home Assistant.
BOOTSTRAP = ROOT / "custom_components" / "openeye" / "pipeline" / "bootstrap.py"
TOPICS = Topics.of("openeye/worker", "attic")
# Generous: start-up imports numpy and dlib on a shared two-core machine.
TIMEOUT = 60.0


def add_camera(camera_id: str, source: str | None = "/nowhere/door.mp4") -> bytes:
    """Return an AddCamera command in the wire format."""
    return wire.encode(AddCamera(camera_id, source, SourceSettings()))


class WorkerProcess:
    """The remote worker's command in its own process, with its stderr in a file."""

    def __init__(self, folder: Path, broker: Mosquitto, *args: str) -> None:
        """Start ``worker --broker URL --name attic ARGS``."""
        self.stderr_path = folder / f"worker-{time.monotonic_ns()}.log"
        with self.stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, str(BOOTSTRAP), "__main__", "worker"),
                    *("--broker", broker.url, "--name", "attic", *args),
                ],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )

    @property
    def stderr(self) -> str:
        """Return what the worker has written to stderr so far."""
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def wait(self) -> int:
        """Wait for the worker to exit; return its exit code."""
        return self.process.wait(TIMEOUT)

    def end(self) -> None:
        """Kill the worker if it still runs."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


type StartWorker = Callable[..., WorkerProcess]


@pytest.fixture
def broker(socket_enabled: None, tmp_path: Path) -> Iterator[Mosquitto]:
    """Run an anonymous broker for one test."""
    server = Mosquitto(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def subscriber(broker: Mosquitto) -> Iterator[Subscriber]:
    """Watch the worker's status and results topics."""
    client = Subscriber(broker)
    client.subscribe(TOPICS.status)
    client.subscribe(TOPICS.results)
    yield client
    client.close()


@pytest.fixture
def start_worker(tmp_path: Path, broker: Mosquitto) -> Iterator[StartWorker]:
    """Return a function that starts a worker on the broker; each is killed after the test."""
    workers: list[WorkerProcess] = []

    def start(*args: str) -> WorkerProcess:
        worker = WorkerProcess(tmp_path, broker, *args)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.end()


def online(status: dict[str, Any]) -> bool:
    """Return True for an ``online`` status."""
    return status.get("state") == "online"


def offline(status: dict[str, Any]) -> bool:
    """Return True for the ``offline`` status."""
    return status == {"v": 1, "state": "offline", "name": "attic"}


def test_broker_urls_and_names() -> None:
    """mqtt:// and mqtts:// URLs give the broker; anything else is refused with a reason."""
    assert parse_broker_url("mqtt://broker.lan") == BrokerAddress("broker.lan", 1883, tls=False)
    assert parse_broker_url("mqtts://10.0.0.2:8884") == BrokerAddress("10.0.0.2", 8884, tls=True)
    assert str(parse_broker_url("mqtts://broker")) == "mqtts://broker:8883"
    for url, reason in (
        ("http://broker", "must start with mqtt://"),
        ("mqtt://", "names no host"),
        ("mqtt://user:secret@broker", "--username"),
        ("mqtt://broker:99999", "not valid"),
        ("mqtt://broker/path", "only a host and a port"),
    ):
        with pytest.raises(LinkError, match=reason):
            parse_broker_url(url)
    for name in ("", "a/b", "a+", "#"):
        with pytest.raises(LinkError, match="worker name"):
            check_name(name)
    assert Topics.of("openeye/worker/", "attic") == TOPICS
    assert TOPICS.commands == "openeye/worker/attic/commands"


def test_status_and_cameras(subscriber: Subscriber, start_worker: StartWorker) -> None:
    """The retained status says who the worker is; cameras are acknowledged up to its capacity.

    A camera's results come back through the worker loop of worker.py: the
    camera's missing file is reported on the results topic.
    """
    worker = start_worker("--capacity", "2", "--heartbeat", "1")
    status = subscriber.wait_for_status(TOPICS.status, online, TIMEOUT)
    assert status["name"] == "attic"
    assert status["capacity"] == 2
    assert status["cores"] >= 1
    assert (
        status["version"]
        == json.loads((ROOT / "custom_components/openeye/manifest.json").read_text())["version"]
    )
    assert status["cameras"] == []

    subscriber.publish(TOPICS.commands, add_camera("door"))
    subscriber.publish(TOPICS.commands, add_camera("garden"))
    subscriber.publish(TOPICS.commands, add_camera("hall"))
    subscriber.publish(TOPICS.commands, add_camera("still", source=None))
    subscriber.wait_for_status(TOPICS.status, lambda s: s["cameras"] == ["door", "garden"])
    result = wire.decode(
        subscriber.wait_for(TOPICS.results, lambda data: result_camera(data) == "door"),
        allowed=wire.RESULTS,
    )
    assert isinstance(result, SourceStatusChanged)

    subscriber.publish(TOPICS.commands, wire.encode(RemoveCamera("door")))
    removed = subscriber.wait_for_status(TOPICS.status, lambda s: s.get("cameras") == ["garden"])
    # Heartbeats publish the status again, with the cameras as they are now:
    # nothing else would publish it after the removal.
    beat = subscriber.wait_for_status(
        TOPICS.status, lambda s: s.get("sent_at", 0) > removed["sent_at"]
    )
    assert beat["cameras"] == ["garden"]
    assert beat["heartbeat"] == 1
    # The refusals were said once each; the status never listed them.
    assert worker.stderr.count("Camera hall refused") == 1
    assert worker.stderr.count("Camera still refused") == 1
    assert not any("hall" in s.get("cameras", []) for s in seen_statuses(subscriber))


def result_camera(data: bytes) -> str | None:
    """Return the camera of a result in the wire format, None for another message."""
    return getattr(wire.decode(data, allowed=wire.RESULTS), "camera_id", None)


def seen_statuses(subscriber: Subscriber) -> list[dict[str, Any]]:
    """Return every status the subscriber has seen so far."""
    return [json.loads(payload) for topic, payload, _ in subscriber.seen if topic == TOPICS.status]


def test_sigkill_leaves_the_last_will(subscriber: Subscriber, start_worker: StartWorker) -> None:
    """A worker killed outright is announced ``offline`` by the broker, retained."""
    worker = start_worker("--keepalive", "2")
    subscriber.wait_for_status(TOPICS.status, online, TIMEOUT)
    worker.process.send_signal(signal.SIGKILL)
    worker.wait()
    # The broker waits 1.5 keepalives (3 s) before it publishes the will.
    subscriber.wait_for_status(TOPICS.status, offline, TIMEOUT)


def test_sigterm_says_offline(
    broker: Mosquitto, subscriber: Subscriber, start_worker: StartWorker
) -> None:
    """SIGTERM stops the worker cleanly: exit 0 and a retained ``offline`` it publishes itself.

    The keepalive is long (the will would come after 180 s), so the offline
    status within the timeout is the worker's own.
    """
    worker = start_worker("--keepalive", "120")
    subscriber.wait_for_status(TOPICS.status, online, TIMEOUT)
    worker.process.send_signal(signal.SIGTERM)
    assert worker.wait() == 0
    subscriber.wait_for_status(TOPICS.status, offline, TIMEOUT)
    # A newcomer sees the retained offline status.
    late = Subscriber(broker)
    try:
        late.subscribe(TOPICS.status)
        late.wait_for_status(TOPICS.status, offline, TIMEOUT)
    finally:
        late.close()


def test_refused_credentials(socket_enabled: None, tmp_path: Path) -> None:
    """A wrong password exits 1 with one clear line; the right one connects."""
    server = Mosquitto(tmp_path, users={"worker": "right horse"})
    server.start()
    try:
        (tmp_path / "wrong").write_text("battery staple\n")
        (tmp_path / "right").write_text("right horse\n")
        refused = WorkerProcess(
            tmp_path, server, "--username", "worker", "--password-file", str(tmp_path / "wrong")
        )
        assert refused.wait() == 1
        lines = refused.stderr.splitlines()
        assert lines == [
            f"openeye worker: The broker at {server.url} refused the connection: Not authorized"
        ]

        accepted = WorkerProcess(
            tmp_path, server, "--username", "worker", "--password-file", str(tmp_path / "right")
        )
        watcher = Subscriber(server, "worker", "right horse")
        try:
            watcher.subscribe(TOPICS.status)
            watcher.wait_for_status(TOPICS.status, online, TIMEOUT)
        finally:
            watcher.close()
            accepted.end()
    finally:
        server.stop()


def test_unreachable_broker(tmp_path: Path, broker: Mosquitto) -> None:
    """A broker that is not there is one line and exit 1, not a traceback."""
    broker.stop()
    worker = WorkerProcess(tmp_path, broker)
    assert worker.wait() == 1
    reason = "[Errno 111] Connection refused"
    assert worker.stderr.splitlines() == [
        f"openeye worker: The broker at {broker.url} cannot be reached: {reason}"
    ]


def test_malformed_commands(subscriber: Subscriber, start_worker: StartWorker) -> None:
    """Malformed, oversized, wrong-version and misdirected messages are ignored, logged, counted.

    A gallery larger than a command may be is taken on the gallery topic.
    """
    worker = start_worker()
    subscriber.wait_for_status(TOPICS.status, online, TIMEOUT)
    other_version = json.loads(add_camera("door"))
    other_version["v"] = 2
    # Written by hand: the wire format refuses to encode a message this large.
    oversized = json.loads(add_camera("door"))
    oversized["data"]["camera_id"] = "x" * wire.MAX_MESSAGE_BYTES
    random = np.random.default_rng(3)
    people = tuple(
        KnownPerson(f"p{index}", f"Person {index}", tuple(map(tuple, random.random((5, 128)))))
        for index in range(50)
    )
    gallery = wire.encode(SetGallery(KnownFaces(people)))
    assert wire.MAX_MESSAGE_BYTES < len(gallery) < wire.MAX_GALLERY_BYTES
    for topic, payload in (
        (TOPICS.commands, b"\xff not json"),
        (TOPICS.commands, wire.encode(Stop())),
        (TOPICS.gallery, add_camera("door")),
        (TOPICS.commands, json.dumps(other_version).encode()),
        (TOPICS.commands, json.dumps(oversized).encode()),
        (TOPICS.gallery, gallery),
        (TOPICS.commands, add_camera("door")),
    ):
        subscriber.publish(topic, payload)
    status = subscriber.wait_for_status(TOPICS.status, lambda s: s.get("cameras") == ["door"])
    assert status["malformed"] == 5
    worker.process.send_signal(signal.SIGTERM)
    assert worker.wait() == 0
    malformed = [line for line in worker.stderr.splitlines() if "Malformed message" in line]
    assert len(malformed) == 5
    assert "(5 so far)" in malformed[-1]
    assert sum(TOPICS.gallery in line for line in malformed) == 1
