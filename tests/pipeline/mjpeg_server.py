"""A small MJPEG-over-HTTP camera on 127.0.0.1, for tests of sources, workers and faults.

It streams real JPEG frames as ``multipart/x-mixed-replace``, the way cheap IP
cameras and Home Assistant's own MJPEG proxies do, and it can misbehave on
purpose: stop and start again on the same port (a camera rebooting), stall
mid-stream with the connection held open (a frozen camera), or accept
connections and never answer (a camera whose web server hangs).

Tests that use it need the ``socket_enabled`` fixture: Home Assistant's test
plugin forbids TCP sockets unless a test asks for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
import threading
from types import TracebackType
from typing import Self

import numpy as np
from PIL import Image

from tests.video_files import read_video

BOUNDARY = "openeyeframe"


def jpeg(image_rgb: np.ndarray, quality: int = 80) -> bytes:
    """Return JPEG bytes of an RGB image."""
    buffer = BytesIO()
    Image.fromarray(np.ascontiguousarray(image_rgb), "RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def astronaut_frames(count: int = 10) -> list[bytes]:
    """Return JPEG frames of scikit-image's astronaut (a real face), panning a few pixels a frame.

    The small pan makes consecutive frames differ, as a real camera's would.
    """
    from skimage import data  # noqa: PLC0415 - only tests that stream frames need it

    image = data.astronaut()
    return [jpeg(np.roll(image, shift=2 * index, axis=1)) for index in range(count)]


def video_frames(path: str, step: int = 10, limit: int = 30) -> list[bytes]:
    """Return every ``step``-th frame of a video file as JPEG, at most ``limit`` of them."""
    frames = read_video(path, limit=step * limit)
    return [jpeg(rgb) for _pts, rgb in frames[::step]]


class _Handler(BaseHTTPRequestHandler):
    """Serves the stream of the :class:`MjpegServer` that owns the HTTP server."""

    server: _Server
    # A socket timeout makes a write to a client that stopped reading fail
    # instead of blocking forever, so that stop() can always join the thread.
    timeout = 2.0

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        """Keep the test output quiet."""

    def do_GET(self) -> None:
        """Stream frames until the camera stops, or hang silently when told to."""
        camera = self.server.camera
        camera.connection_opened()
        if camera.silent:
            # Accept the request and never answer: only a timeout gets the client out.
            camera.stopping.wait()
            return
        self.send_response(200)
        self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        index = 0
        try:
            while not camera.stopping.is_set():
                if camera.stalled.is_set():
                    camera.stopping.wait(0.05)
                    continue
                frame = camera.frames[index % len(camera.frames)]
                index += 1
                self.wfile.write(
                    f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                    f"Content-Length: {len(frame)}\r\n\r\n".encode()
                    + frame
                    + b"\r\n"
                )
                self.wfile.flush()
                camera.frame_sent()
                camera.stopping.wait(1.0 / camera.fps)
        except OSError:
            # The client went away (or stopped reading): this connection is over.
            return


class _Server(ThreadingHTTPServer):
    """The HTTP server, with a link back to the camera it serves."""

    # Handler threads are joined by server_close(), so none outlives stop().
    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], camera: MjpegServer) -> None:
        """Bind to ``address`` for ``camera``."""
        self.camera = camera
        super().__init__(address, _Handler)


class MjpegServer:
    """An MJPEG camera on 127.0.0.1 that keeps its port across stop() and start()."""

    def __init__(self, frames: Sequence[bytes], fps: float = 15.0) -> None:
        """Prepare the camera; nothing listens before :meth:`start`."""
        if not frames:
            raise ValueError("the camera needs at least one frame")
        self.frames = list(frames)
        self.fps = fps
        self.port = 0
        # When True, new requests are accepted and never answered.
        self.silent = False
        self.stopping = threading.Event()
        self.stalled = threading.Event()
        self._lock = threading.Lock()
        self._connections = 0
        self._frames_sent = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Return the stream's URL (valid once started; the port stays the same on restart)."""
        return f"http://127.0.0.1:{self.port}/stream.mjpg"

    @property
    def connections(self) -> int:
        """Return how many requests the camera has received since it was created."""
        with self._lock:
            return self._connections

    @property
    def frames_sent(self) -> int:
        """Return how many frames the camera has sent since it was created."""
        with self._lock:
            return self._frames_sent

    def connection_opened(self) -> None:
        """Count a request (called by the handler threads)."""
        with self._lock:
            self._connections += 1

    def frame_sent(self) -> None:
        """Count a frame (called by the handler threads)."""
        with self._lock:
            self._frames_sent += 1

    def start(self) -> None:
        """Listen (again) and serve in a thread; the first start picks a free port."""
        if self._server is not None:
            raise RuntimeError("the camera is already running")
        self.stopping.clear()
        server = _Server(("127.0.0.1", self.port), self)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="mjpeg-server"
        )
        self._thread.start()

    def stop(self) -> None:
        """Close the listening socket and every connection; join every thread."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self.stopping.set()
        server.shutdown()
        thread.join()
        server.server_close()
        self._server = self._thread = None

    def stall(self) -> None:
        """Keep connections open but send no more frames (a frozen camera)."""
        self.stalled.set()

    def resume(self) -> None:
        """Send frames again after :meth:`stall`."""
        self.stalled.clear()

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
