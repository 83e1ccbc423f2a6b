"""A real RTSP camera on 127.0.0.1 for tests and benchmarks, and the streams it serves.

:class:`RtspCamera` runs ``tests/rtsp_camera_server.py`` (GStreamer's RTSP
server) under the system's ``/usr/bin/python3``, which has Debian's GStreamer
bindings, and drives it through the server's standard input: stall the
stream, resume it, drop every session, change the password, or stop the server
and start it again on the same port (a camera that reboots).
:class:`EncodedStreams` pre-encodes what it serves with PyAV (libx264 and
libx265, as PyAV's wheels ship them), once per test session: encoding live
would cost a core per camera, which a two-core machine cannot spare.

Everything started here is stopped by :meth:`RtspCamera.stop`, which the
fixtures call however the test ends; the server also exits by itself when
its standard input closes, so even a test process that dies leaves nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import functools
import json
import os
from pathlib import Path
import subprocess
import threading
import time
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import quote

import av

from tests.faces import write_face_video

SERVER = Path(__file__).with_name("rtsp_camera_server.py")
# Debian's interpreter, which has python3-gi and python3-gst-1.0; the project's
# virtual environment cannot import them.
SYSTEM_PYTHON = os.environ.get("OPENEYE_RTSP_PYTHON", "/usr/bin/python3")
# The Debian packages that scripts/test installs for this server.
DEBIAN_PACKAGES = (
    "gir1.2-gst-rtsp-server-1.0 python3-gst-1.0 gstreamer1.0-plugins-good "
    "gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly"
)
# Starting parses the streams once; on a busy machine that takes a few seconds.
START_TIMEOUT = 60.0
COMMAND_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0

type Codec = Literal["h264", "h265"]
type Auth = Literal["none", "basic", "digest"]
type Transports = Literal["both", "tcp", "udp"]

_ENCODERS: dict[Codec, tuple[str, str, dict[str, str]]] = {
    # Baseline-like H.264 without B-frames, as most cameras send, with a key
    # frame every second so that a new viewer starts soon.
    "h264": (
        "libx264",
        "h264",
        {"preset": "ultrafast", "tune": "zerolatency", "g": "25", "crf": "20"},
    ),
    # The same for H.265; its parameter sets repeat at every key frame.
    "h265": (
        "libx265",
        "hevc",
        {
            "preset": "ultrafast",
            "crf": "24",
            "x265-params": "keyint=25:min-keyint=25:bframes=0:repeat-headers=1:log-level=error",
        },
    ),
}


@functools.cache
def unavailable_reason() -> str | None:
    """Return why the RTSP server cannot run on this machine, or None when it can.

    It checks what the server needs: Debian's Python with GStreamer's
    bindings, the RTSP server library and the parsers and payloaders of both
    codecs.
    """
    check = (
        "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0');"
        "from gi.repository import Gst, GstRtspServer; Gst.init(None);"
        "missing = [e for e in ('appsrc', 'appsink', 'filesrc', 'h264parse', 'h265parse',"
        " 'rtph264pay', 'rtph265pay') if Gst.ElementFactory.find(e) is None];"
        "print(' '.join(missing))"
    )
    if not Path(SYSTEM_PYTHON).is_file():
        return f"the RTSP test camera needs {SYSTEM_PYTHON} with GStreamer ({DEBIAN_PACKAGES})"
    try:
        result = subprocess.run(
            [SYSTEM_PYTHON, "-c", check], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"the RTSP test camera cannot start {SYSTEM_PYTHON}: {err}"
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return f"the RTSP test camera needs the Debian packages {DEBIAN_PACKAGES} ({last})"
    if missing := result.stdout.strip():
        return f"the RTSP test camera lacks the GStreamer elements {missing} ({DEBIAN_PACKAGES})"
    return None


def encode_stream(source: Path, codec: Codec, destination: Path) -> Path:
    """Encode a video file's pictures as an H.264 or H.265 elementary stream; return its path.

    The frame rate is the source's, and it is written into the stream's
    parameter sets, from which the server paces the stream.
    """
    encoder, muxer, options = _ENCODERS[codec]
    with av.open(str(source)) as container, av.open(str(destination), "w", format=muxer) as out:
        video = container.streams.video[0]
        rate = video.average_rate or video.guessed_rate or 25
        stream = out.add_stream(encoder, rate=rate)
        stream.width = video.codec_context.width
        stream.height = video.codec_context.height
        stream.pix_fmt = "yuv420p"
        stream.options = options
        for frame in container.decode(video):
            frame.pts = None
            out.mux(stream.encode(frame.reformat(format="yuv420p")))
        out.mux(stream.encode(None))
    return destination


class EncodedStreams:
    """Streams for the RTSP camera, encoded on first use into one folder and kept."""

    def __init__(self, folder: Path) -> None:
        """Keep the streams in ``folder``."""
        self.folder = folder
        self._lock = threading.Lock()

    def astronaut(self, codec: Codec) -> Path:
        """Return scikit-image's astronaut crossing a grey picture (4 s at 25 fps, looping).

        She is there for 3 s, then the background alone for 1 s, so that a
        looping stream shows a new face every 4 s. 25 fps, as cameras send:
        FFmpeg reads about 20 frames to find out a stream's rate when it opens.
        She moves 3 px a frame (75 px/s), as someone walking up to a door.
        """
        return self._encoded(f"astronaut.{codec}", codec, self._astronaut_video)

    def clip(self, source: Path, codec: Codec) -> Path:
        """Return a video file (the Hamilton clip) as a stream of the codec."""
        return self._encoded(f"{source.stem}.{codec}", codec, lambda: source)

    def _astronaut_video(self) -> Path:
        """Write the astronaut's video once."""
        path = self.folder / "astronaut.mp4"
        if not path.exists():
            write_face_video(str(path), frames=75, fps=25.0, absent_frames=25, step=3)
        return path

    def _encoded(self, name: str, codec: Codec, source: Any) -> Path:  # noqa: ANN401 - a callable
        """Return the stream ``name``, encoding it from ``source()`` the first time."""
        path = self.folder / name
        with self._lock:
            if not path.exists():
                partial = path.with_name(f"partial-{name}")
                encode_stream(source(), codec, partial)
                partial.rename(path)
        return path


class RtspCameraError(RuntimeError):
    """The RTSP server did not start, or did not answer a command."""


class RtspCamera:
    """A GStreamer RTSP server in a process of its own, serving pre-encoded streams.

    The port is chosen by the server on the first start and kept across
    :meth:`stop` and :meth:`start`, so a camera that is restarted comes back
    at the same address.
    """

    def __init__(
        self,
        streams: dict[str, Path],
        *,
        auth: Auth = "none",
        user: str = "",
        password: str = "",
        transports: Transports = "both",
    ) -> None:
        """Describe the camera; nothing runs before :meth:`start`."""
        self.streams = dict(streams)
        self.auth = auth
        self.user = user
        self.password = password
        self.transports = transports
        self.port = 0
        self.starts = 0
        self._process: subprocess.Popen[str] | None = None
        self._lines: list[str] = []
        self._cond = threading.Condition()
        self._reader: threading.Thread | None = None
        self._stderr: list[str] = []

    # Addresses -----------------------------------------------------------------

    def url(self, name: str, *, user: str | None = None, password: str | None = None) -> str:
        """Return a stream's address, with the camera's credentials unless others are given."""
        user = self.user if user is None else user
        password = self.password if password is None else password
        credentials = f"{quote(user, safe='')}:{quote(password, safe='')}@" if user else ""
        return f"rtsp://{credentials}127.0.0.1:{self.port}/{name}"

    @property
    def pid(self) -> int | None:
        """Return the server's process id while it runs."""
        return self._process.pid if self._process is not None else None

    # Life cycle ----------------------------------------------------------------

    def start(self) -> None:
        """Start the server (again, on the same port) and wait until it listens."""
        if self._process is not None:
            raise RtspCameraError("the camera is already running")
        command = [SYSTEM_PYTHON, str(SERVER), "--port", str(self.port)]
        for name, path in self.streams.items():
            command += ["--stream", f"{name}={path}"]
        command += ["--transports", self.transports, "--auth", self.auth]
        if self.auth != "none":
            command += ["--user", self.user, "--password", self.password]
        # The server's environment is this one less the virtual environment's
        # Python settings, which would point Debian's Python at the wrong packages.
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
        }
        self._lines = []
        self._stderr = []
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            env=environment,
        )
        self._reader = threading.Thread(
            target=self._read, args=(self._process,), name="rtsp-camera", daemon=True
        )
        self._reader.start()
        threading.Thread(
            target=self._read_errors, args=(self._process,), name="rtsp-camera-err", daemon=True
        ).start()
        try:
            ready = self._next_line(START_TIMEOUT)
        except RtspCameraError:
            self.stop()
            raise
        self.port = int(ready["port"])
        self.starts += 1

    def stop(self) -> None:
        """Stop the server and wait for it: ``quit``, then SIGKILL if it does not go."""
        process = self._process
        if process is None:
            return
        self._process = None
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.write("quit\n")
                process.stdin.close()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if self._reader is not None:
            self._reader.join(STOP_TIMEOUT)
        if process.stdout is not None:
            process.stdout.close()
        if process.stderr is not None:
            process.stderr.close()

    def kill(self) -> None:
        """End the server at once with SIGKILL, as a camera that loses its power."""
        if self._process is not None:
            self._process.kill()
        self.stop()

    def restart(self, downtime: float = 0.0) -> None:
        """Stop the server, stay away ``downtime`` seconds and start again on the same port."""
        self.stop()
        time.sleep(downtime)
        self.start()

    # Commands ------------------------------------------------------------------

    def stall(self) -> None:
        """Send no more packets, on any session, until :meth:`resume`."""
        self._command("stall")

    def resume(self) -> None:
        """Send packets again."""
        self._command("resume")

    def drop(self) -> None:
        """Close every client's connection now; clients may connect again."""
        self._command("drop")

    def change_password(self, password: str) -> None:
        """Accept only the new password from now on (sessions already open go on)."""
        self._command(f"password {self.user} {password}")
        self.password = password

    def sessions(self) -> list[dict[str, str]]:
        """Return the sessions set up so far: the stream's path and ``tcp`` or ``udp``."""
        answer = self._command("status")
        sessions: list[dict[str, str]] = answer["sessions"]
        return sessions

    # Plumbing ------------------------------------------------------------------

    def _command(self, line: str) -> dict[str, Any]:
        """Send one command and return its answer; raise if it failed."""
        process = self._process
        if process is None or process.stdin is None:
            raise RtspCameraError("the camera is not running")
        with self._cond:
            self._lines.clear()
        process.stdin.write(line + "\n")
        process.stdin.flush()
        answer = self._next_line(COMMAND_TIMEOUT)
        if not answer.get("ok"):
            raise RtspCameraError(f"{line.split(maxsplit=1)[0]}: {answer.get('error')}")
        return answer

    def _next_line(self, timeout: float) -> dict[str, Any]:
        """Wait for the server's next JSON line; raise if it exits or stays silent."""
        with self._cond:
            if not self._cond.wait_for(
                lambda: self._lines or self._process is None or self._process.poll() is not None,
                timeout,
            ):
                raise RtspCameraError(f"the RTSP camera did not answer within {timeout:g} s")
            if not self._lines:
                raise RtspCameraError(
                    "the RTSP camera exited: " + " | ".join(self._stderr[-5:] or ["no output"])
                )
            answer: dict[str, Any] = json.loads(self._lines.pop(0))
            return answer

    def _read(self, process: subprocess.Popen[str]) -> None:
        """Collect the server's answers (its standard output) until it exits."""
        assert process.stdout is not None
        for line in process.stdout:
            with self._cond:
                self._lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _read_errors(self, process: subprocess.Popen[str]) -> None:
        """Keep the last lines of the server's standard error, for failures to quote."""
        assert process.stderr is not None
        with contextlib.suppress(ValueError, OSError):
            for line in process.stderr:
                self._stderr = [*self._stderr[-20:], line.rstrip()]

    def __enter__(self) -> Self:
        """Start the camera for a ``with`` block."""
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the camera at the end of a ``with`` block."""
        self.stop()


@contextlib.contextmanager
def rtsp_camera(streams: dict[str, Path], **options: Any) -> Iterator[RtspCamera]:  # noqa: ANN401
    """Run an RTSP camera for a ``with`` block, stopping it however the block ends."""
    camera = RtspCamera(streams, **options)
    camera.start()
    try:
        yield camera
    finally:
        camera.stop()
