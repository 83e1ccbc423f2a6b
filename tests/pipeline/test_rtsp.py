"""Sources and workers against a real RTSP camera: GStreamer's RTSP server on 127.0.0.1.

The camera (tests/rtsp_camera.py) serves the astronaut's video and the
Hamilton clip, pre-encoded as H.264 and H.265, over TCP, UDP or both, with no
password or with basic or digest authentication, and it can stall, drop its
sessions or restart. What a user meets is checked here through OpenEye's own
sources and real worker processes; tests/test_rtsp_cameras.py checks it
through Home Assistant.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import itertools
import time

import pytest

from custom_components.openeye.pipeline.messages import (
    FaceRecognized,
    SourceStatus,
    SourceStatusChanged,
)
from custom_components.openeye.pipeline.pool import WorkerPool
from custom_components.openeye.pipeline.settings import SourceSettings
from custom_components.openeye.pipeline.sources import WATCHDOG_GRACE, LiveSource, probe
from custom_components.openeye.pipeline.video_input import VideoInput, VideoOpenError
from tests.media import media
from tests.pipeline.astronaut import ASTRONAUT_ID, astronaut_gallery
from tests.pipeline.real_faces import CLIP, LIN_ID, reference_gallery
from tests.pipeline.test_pool import Results
from tests.pipeline.test_sources import StatusLog
from tests.rtsp_camera import Auth, Codec, EncodedStreams, RtspCamera, Transports

type StartCamera = Callable[..., RtspCamera]

USER = "viewer"
PASSWORD = "s3cret-Pa55"  # noqa: S105 - the test camera's password, looked for in every message
WRONG_PASSWORD = "wrong-Pa55"  # noqa: S105
# FFmpeg reads about a second of a stream to learn its frame rate when it
# opens it: the open timeout leaves room for that on a busy machine.
QUICK = SourceSettings(
    open_timeout=8.0, read_timeout=2.0, backoff_initial=0.2, backoff_max=1.0, realtime=True
)
# What users are promised: a stream that returns is read again within 5 s.
BACK_WITHIN = 5.0
REFUSED = "the camera refused the user name or password"


def _reports_text(log: StatusLog) -> str:
    """Return every report as text, to look for the password in."""
    return repr(log.reports)


# (codec, transports the camera takes, its authentication, the transport OpenEye ends up on)
type Case = tuple[Codec, Transports, Auth, str]


@pytest.mark.parametrize(
    "case",
    [
        ("h264", "both", "none", "tcp"),
        ("h265", "both", "basic", "tcp"),
        ("h264", "udp", "digest", "udp"),
        ("h265", "udp", "none", "udp"),
        ("h264", "tcp", "basic", "tcp"),
    ],
    ids="-".join,
)
def test_codecs_transports_and_authentication(
    rtsp_camera: StartCamera, rtsp_streams: EncodedStreams, case: Case
) -> None:
    """H.264 and H.265, over TCP or UDP, with or without a password: frames flow.

    OpenEye asks for TCP first; a camera that only speaks UDP (it answers the
    request for TCP with 461 Unsupported transport) is read over UDP without
    anything to choose in the form.
    """
    codec, transports, auth, transport = case
    camera = rtsp_camera(
        {"door": rtsp_streams.astronaut(codec)},
        auth=auth,
        user=USER if auth != "none" else "",
        password=PASSWORD if auth != "none" else "",
        transports=transports,
    )
    frame, detail, reason = probe(camera.url("door"), timeout=10)
    assert (detail, reason) == (None, None)
    assert frame is not None
    assert (frame.width, frame.height) == (640, 360)
    log = StatusLog()
    source = LiveSource(camera.url("door"), QUICK, log)
    source.start()
    try:
        times = []
        while len(times) < 10:
            # Generous: over UDP a session whose first packets were lost on a
            # busy machine is given up (the read timeout) and set up again.
            assert source.wait_for_frame(30), log.reports
            picture = source.take()
            assert picture is not None
            assert (picture.width, picture.height) == (640, 360)
            times.append(picture.pts)
        assert all(b > a for a, b in itertools.pairwise(times))
        statuses = log.statuses()
    finally:
        assert source.stop()
    sessions = camera.sessions()
    assert {session["transport"] for session in sessions} == {transport}
    if transport == "tcp":
        assert statuses == [SourceStatus.CONNECTING, SourceStatus.STREAMING]
        assert len(sessions) == 2, "the probe and the source each set one session up"
    else:
        # UDP may lose packets; a session set up again over UDP is still UDP.
        assert statuses[0] == SourceStatus.CONNECTING
        assert statuses[-1] == SourceStatus.STREAMING, log.reports
        assert set(statuses) <= {
            SourceStatus.CONNECTING,
            SourceStatus.RECONNECTING,
            SourceStatus.STREAMING,
        }
        assert len(sessions) >= 2


@pytest.mark.parametrize("auth", ["basic", "digest"])
def test_a_wrong_password_is_unauthorized_without_the_password_in_any_message(
    rtsp_camera: StartCamera, rtsp_streams: EncodedStreams, auth: Auth
) -> None:
    """RTSP's 401 is reason ``unauthorized``, for a wrong password and for none at all.

    FFmpeg's RTSP demuxer turns the camera's 401 into PyAV's
    HTTPUnauthorizedError, as its HTTP client does.
    """
    camera = rtsp_camera(
        {"door": rtsp_streams.astronaut("h264")}, auth=auth, user=USER, password=PASSWORD
    )
    wrong = camera.url("door", password=WRONG_PASSWORD)
    anonymous = camera.url("door", user="")
    for url in (wrong, anonymous):
        assert probe(url, timeout=10) == (None, REFUSED, "unauthorized")
        with pytest.raises(VideoOpenError) as refused:
            VideoInput(url, open_timeout=10, read_timeout=10).close()
        assert refused.value.reason == "unauthorized"
        assert "Pa55" not in str(refused.value)
    log = StatusLog()
    source = LiveSource(wrong, QUICK, log)
    source.start()
    try:
        report = log.wait_for_status(SourceStatus.RECONNECTING, 15)
        assert report[2:] == (REFUSED, QUICK.backoff_initial, "unauthorized")
        log.wait_for_status(SourceStatus.FAILED, 15)
    finally:
        assert source.stop()
    assert "Pa55" not in _reports_text(log)
    assert camera.sessions() == [], "no session is set up without the password"


def test_a_stalled_stream_is_noticed_within_the_read_timeout_and_read_again(
    rtsp_camera: StartCamera, rtsp_streams: EncodedStreams
) -> None:
    """A camera that keeps its connection but sends no packet: reconnecting on time, then back.

    FFmpeg holds the last frame back until the next one begins; a read cut
    off by its timeout hands it over. Taking it as a frame would start a
    second wait, and the stall would be noticed after twice the read timeout.
    """
    camera = rtsp_camera(
        {"door": rtsp_streams.astronaut("h264")}, auth="digest", user=USER, password=PASSWORD
    )
    log = StatusLog()
    source = LiveSource(camera.url("door"), QUICK, log)
    source.start()
    try:
        log.wait_for_status(SourceStatus.STREAMING, 15)
        camera.stall()
        stalled = time.monotonic() - log.started
        report = log.wait_for_status(SourceStatus.RECONNECTING, 15)
        assert report[2:] == ("no frame for 2 s", QUICK.backoff_initial, "timeout")
        assert report[0] - stalled < QUICK.read_timeout + WATCHDOG_GRACE
        count = len(log.reports)
        camera.resume()
        resumed = time.monotonic() - log.started
        streaming = log.wait_for_status(SourceStatus.STREAMING, 20, after=count)
        assert streaming[0] - resumed < BACK_WITHIN
        assert source.wait_for_frame(5)
    finally:
        assert source.stop()
    assert "Pa55" not in _reports_text(log)


def test_a_dropped_session_and_a_restarted_server_are_read_again_within_5_s(
    rtsp_camera: StartCamera, rtsp_streams: EncodedStreams
) -> None:
    """The camera drops its viewers, then restarts (2 s away): frames again within 5 s each time."""
    camera = rtsp_camera(
        {"door": rtsp_streams.astronaut("h265")}, auth="basic", user=USER, password=PASSWORD
    )
    log = StatusLog()
    source = LiveSource(camera.url("door"), QUICK, log)
    source.start()
    try:
        log.wait_for_status(SourceStatus.STREAMING, 15)
        count = len(log.reports)
        camera.drop()
        dropped = time.monotonic() - log.started
        lost = log.wait_for_status(SourceStatus.RECONNECTING, 10, after=count)
        assert lost[4] == "lost"
        streaming = log.wait_for_status(SourceStatus.STREAMING, 20, after=count)
        assert streaming[0] - dropped < BACK_WITHIN

        count = len(log.reports)
        camera.stop()
        log.wait_for(lambda reports: any(r[4] == "refused" for r in reports[count:]), timeout=10)
        time.sleep(2.0)  # The camera stays away for a while, as a rebooting one does.
        camera.start()
        returned = time.monotonic() - log.started
        streaming = log.wait_for_status(SourceStatus.STREAMING, 20, after=count)
        assert streaming[0] - returned < BACK_WITHIN
        assert source.wait_for_frame(5)
    finally:
        assert source.stop()
    assert "Pa55" not in _reports_text(log)


@pytest.mark.long
def test_reconnects_back_off_from_1_s_to_30_s(
    rtsp_camera: StartCamera, rtsp_streams: EncodedStreams
) -> None:
    """With the default settings, a camera that has gone is tried after 1, 2, 4, 8, 16 s, then 30 s.

    Its connection is refused at once, so the reports come exactly as the
    back-off says: about 31 s in all before the camera counts as failed.
    """
    camera = rtsp_camera({"door": rtsp_streams.astronaut("h264")})
    log = StatusLog()
    source = LiveSource(camera.url("door"), SourceSettings(), log)
    source.start()
    try:
        log.wait_for_status(SourceStatus.STREAMING, 15)
        count = len(log.reports)
        camera.kill()
        reports = log.wait_for(
            lambda r: any(s[1] is SourceStatus.FAILED for s in r[count:]), timeout=60
        )[count:]
        assert [(r[1], r[3]) for r in reports] == [
            (SourceStatus.RECONNECTING, 1.0),
            (SourceStatus.RECONNECTING, 2.0),
            (SourceStatus.RECONNECTING, 4.0),
            (SourceStatus.RECONNECTING, 8.0),
            (SourceStatus.RECONNECTING, 16.0),
            (SourceStatus.FAILED, 30.0),
        ]
        assert [r[4] for r in reports] == ["lost"] + ["refused"] * 5
        # Each attempt comes when the previous report said it would.
        for before, after in itertools.pairwise(reports):
            assert before[3] is not None
            assert before[3] - 0.1 < after[0] - before[0] < before[3] + 2.0
    finally:
        assert source.stop()


# Through real worker processes ------------------------------------------------


@pytest.fixture
async def pool() -> AsyncIterator[tuple[WorkerPool, Results]]:
    """Return a started one-worker pool and what it delivers; stop it after the test."""
    results = Results()
    pool = WorkerPool(results, max_workers=1)
    await pool.async_start()
    yield pool, results
    await pool.async_stop()


def _recognised(results: Results, person_id: str) -> list[FaceRecognized]:
    """Return the recognitions of a person so far."""
    return [
        r
        for r in results.of(FaceRecognized)
        if isinstance(r, FaceRecognized) and r.person_id == person_id
    ]


@pytest.mark.parametrize("codec", ["h264", "h265"])
async def test_a_worker_recognises_the_astronaut_on_an_rtsp_camera(
    pool: tuple[WorkerPool, Results],
    rtsp_camera: StartCamera,
    rtsp_streams: EncodedStreams,
    codec: Codec,
) -> None:
    """A camera added by its RTSP address, with a password, recognises the taught face."""
    workers, results = pool
    camera = rtsp_camera(
        {"door": rtsp_streams.astronaut(codec)}, auth="digest", user=USER, password=PASSWORD
    )
    await workers.async_set_gallery(astronaut_gallery())
    await workers.async_add_camera("door", camera.url("door"), SourceSettings())
    await results.wait_for(lambda _items: bool(_recognised(results, ASTRONAUT_ID)), 60)
    statuses = [r for r in results.of(SourceStatusChanged) if isinstance(r, SourceStatusChanged)]
    assert [s.status for s in statuses] == [SourceStatus.CONNECTING, SourceStatus.STREAMING]
    assert "Pa55" not in repr(results.items)


async def test_a_worker_recognises_lin_manuel_miranda_on_the_hamilton_clip_over_rtsp(
    pool: tuple[WorkerPool, Results], rtsp_camera: StartCamera, rtsp_streams: EncodedStreams
) -> None:
    """The Hamilton clip as an H.264 camera: Lin-Manuel Miranda, and nobody else taught."""
    workers, results = pool
    clip = rtsp_streams.clip(media(CLIP), "h264")
    camera = rtsp_camera({"stage": clip}, auth="basic", user=USER, password=PASSWORD)
    await workers.async_set_gallery(reference_gallery())
    await workers.async_add_camera("stage", camera.url("stage"), SourceSettings())
    started = asyncio.get_running_loop().time()
    await results.wait_for(lambda _items: bool(_recognised(results, LIN_ID)), 60)
    # Lin-Manuel Miranda comes close in the clip's third second.
    assert asyncio.get_running_loop().time() - started < 30
    people = {r.person_id for r in results.of(FaceRecognized) if isinstance(r, FaceRecognized)}
    assert people == {LIN_ID}
