"""An RTSP camera for tests and benchmarks: GStreamer's RTSP server on 127.0.0.1.

This program runs under the system's ``/usr/bin/python3``, which has Debian's
GStreamer bindings (``python3-gst-1.0``, ``gir1.2-gst-rtsp-server-1.0``); the
project's virtual environment has neither, so it imports nothing of the
project. :mod:`tests.rtsp_camera` starts it, pre-encodes what it serves and
drives it.

Each ``--stream NAME=PATH`` serves an H.264 (``.h264``) or H.265 (``.h265``)
elementary stream, pre-encoded once, at ``rtsp://127.0.0.1:PORT/NAME``. The
stream loops for ever at its own frame rate, and every client gets its own
session that starts at the stream's first (key) frame, as a camera's stream
starts at a key frame for each new viewer. The pictures are never encoded
here: the server only parses the file once into access units and hands them
to GStreamer's payloader, so that two cores are not spent on serving.

The camera can ask for a password (``--auth basic`` or ``--auth digest``), and
take RTP over TCP, over UDP or both (``--transports``).

It is controlled through its standard input, one command a line, and answers
each with one JSON line on its standard output:

- ``stall``: send no more packets on any session, and none to new sessions
  (a frozen camera: connections stay open, nothing comes);
- ``resume``: send again;
- ``drop``: close every client's connection (a camera that drops its viewers);
- ``password USER PASSWORD``: from now on only these credentials are accepted;
- ``status``: the sessions set up so far, with the transport of each;
- ``quit``: stop.

Its first line says ``{"ready": true, "port": N}``. The end of its standard
input (its owner has gone, even by a crash) stops it as ``quit`` does.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

# How the payloader of each codec is named, and the parser that splits the file.
CODECS = {
    ".h264": ("h264parse", "rtph264pay", "video/x-h264"),
    ".h265": ("h265parse", "rtph265pay", "video/x-h265"),
}
# Used when the stream's parameter sets announce no frame rate.
DEFAULT_FPS = 25.0
ROLE = "camera-user"


class Stream:
    """One pre-encoded stream, split into access units once, served in a loop."""

    def __init__(self, name: str, path: str) -> None:
        """Read and split the file at ``path``; fail at once if GStreamer cannot parse it."""
        suffix = path[path.rfind(".") :]
        if suffix not in CODECS:
            raise SystemExit(f"{path}: only .h264 and .h265 elementary streams are served")
        self.name = name
        self.parser, self.payloader, media_type = CODECS[suffix]
        self.units, self.fps = _split(path, self.parser, media_type)
        if not self.units:
            raise SystemExit(f"{path}: no access unit found")
        self.caps = f"{media_type},stream-format=byte-stream,alignment=au"


def _split(path: str, parser: str, media_type: str) -> tuple[list[bytes], float]:
    """Return the access units of an elementary stream and its frame rate."""
    pipeline = Gst.parse_launch(
        f"filesrc name=file ! {parser} config-interval=-1 ! "
        f"{media_type},stream-format=byte-stream,alignment=au ! appsink name=sink sync=false"
    )
    pipeline.get_by_name("file").set_property("location", path)
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    units: list[bytes] = []
    fps = DEFAULT_FPS
    while (sample := sink.emit("try-pull-sample", 10 * Gst.SECOND)) is not None:
        buffer = sample.get_buffer()
        units.append(buffer.extract_dup(0, buffer.get_size()))
        structure = sample.get_caps().get_structure(0)
        found, numerator, denominator = structure.get_fraction("framerate")
        if found and numerator > 0 and denominator > 0:
            fps = numerator / denominator
    error = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if error is not None:
        raise SystemExit(f"{path}: {error.parse_error()[0].message}")
    return units, fps


class Feeder:
    """Pushes one stream's access units into one session's pipeline at the stream's pace.

    The buffers are stamped with the pipeline's clock as they are pushed
    (a live source), so a stall is a gap in time, never a burst when it ends.
    """

    def __init__(self, camera: Camera, stream: Stream, source: Gst.Element) -> None:
        """Feed ``source`` (an appsrc) from its own thread until the session ends."""
        self._camera = camera
        self._stream = stream
        self._source = source
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"feed {stream.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop pushing (the session's pipeline is going away)."""
        self._stopped.set()

    def _run(self) -> None:
        """Push a unit, wait for the next one's time; wait out stalls; loop at the end."""
        interval = 1.0 / self._stream.fps
        due = time.monotonic()
        index = 0
        while not self._stopped.is_set():
            if not self._camera.flowing.wait(0.1):
                # Stalled: the stream resumes at the next key frame (the first
                # unit, which carries the parameter sets) and on a new clock,
                # as a camera's encoder restarts after a freeze.
                index = 0
                due = time.monotonic()
                continue
            data = self._stream.units[index]
            result = self._source.emit("push-buffer", Gst.Buffer.new_wrapped(data))
            if result != Gst.FlowReturn.OK:
                return
            index = (index + 1) % len(self._stream.units)
            due += interval
            delay = due - time.monotonic()
            if delay < -1.0:
                due = time.monotonic()
            elif delay > 0:
                self._stopped.wait(delay)


class Factory(GstRtspServer.RTSPMediaFactory):
    """Makes a fresh pipeline for each session: appsrc, parser, payloader."""

    def __init__(self, camera: Camera, stream: Stream) -> None:
        """Serve ``stream`` for ``camera``."""
        super().__init__()
        self._camera = camera
        self._stream = stream
        self.set_shared(False)
        self.set_protocols(camera.protocols)
        # The units already carry the parameter sets before each key frame
        # (the splitting parser put them there). The payloader must not add
        # its own: it puts them before every slice of a key frame, between
        # the slices of one picture, and FFmpeg then decodes a smeared picture.
        self.set_launch(
            f"( appsrc name=source is-live=true do-timestamp=true format=time "
            f'caps="{stream.caps}" ! {stream.parser} config-interval=-1 ! '
            f"{stream.payloader} name=pay0 pt=96 )"
        )
        if camera.auth is not None:
            permissions = GstRtspServer.RTSPPermissions()
            permissions.add_role(ROLE)
            # GStreamer's signature: (role, permission, allowed), positional only.
            for permission in ("media.factory.access", "media.factory.construct"):
                permissions.add_permission_for_role(ROLE, permission, True)  # noqa: FBT003
            self.set_permissions(permissions)
        self.connect("media-configure", self._configure)

    def _configure(self, _factory: Factory, media: GstRtspServer.RTSPMedia) -> None:
        """Start feeding a new session's pipeline; stop when the session is gone."""
        source = media.get_element().get_child_by_name("source")
        feeder = Feeder(self._camera, self._stream, source)
        media.connect("unprepared", lambda _media: feeder.stop())


class Camera:
    """The server, its streams and what the commands change."""

    def __init__(self, args: argparse.Namespace) -> None:
        """Build the server from the command line; nothing listens before :meth:`serve`."""
        self.flowing = threading.Event()
        self.flowing.set()
        self.protocols = {
            "tcp": GstRtsp.RTSPLowerTrans.TCP,
            "udp": GstRtsp.RTSPLowerTrans.UDP,
            "both": GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP,
        }[args.transports]
        self.sessions: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self.server = GstRtspServer.RTSPServer()
        self.server.set_address("127.0.0.1")
        self.server.set_service(str(args.port))
        # UDP ports on the loopback only, like the RTSP port.
        pool = GstRtspServer.RTSPAddressPool()
        pool.add_range("127.0.0.1", "127.0.0.1", 20000, 60000, 0)
        self.auth: GstRtspServer.RTSPAuth | None = None
        self._method = args.auth
        self._credentials: tuple[str, str] | None = None
        if args.auth != "none":
            self.auth = GstRtspServer.RTSPAuth()
            method = (
                GstRtsp.RTSPAuthMethod.BASIC
                if args.auth == "basic"
                else GstRtsp.RTSPAuthMethod.DIGEST
            )
            self.auth.set_supported_methods(method)
            self.set_password(args.user, args.password)
            self.server.set_auth(self.auth)
        mounts = self.server.get_mount_points()
        for spec in args.stream:
            name, _, path = spec.partition("=")
            factory = Factory(self, Stream(name, path))
            factory.set_address_pool(pool)
            mounts.add_factory(f"/{name}", factory)
        # Several clients (and a client whose session waits for a stalled
        # stream) must not hold each other up.
        self.server.get_thread_pool().set_max_threads(16)
        self.server.connect("client-connected", self._client_connected)

    def set_password(self, user: str, password: str) -> None:
        """Accept only ``user`` with ``password`` from now on."""
        assert self.auth is not None
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", ROLE)
        if self._credentials is not None:
            old_user, old_password = self._credentials
            if self._method == "basic":
                self.auth.remove_basic(GstRtspServer.RTSPAuth.make_basic(old_user, old_password))
            else:
                self.auth.remove_digest(old_user)
        if self._method == "basic":
            self.auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        else:
            self.auth.add_digest(user, password, token)
        self._credentials = (user, password)

    def _client_connected(
        self, _server: GstRtspServer.RTSPServer, client: GstRtspServer.RTSPClient
    ) -> None:
        """Record each session's transport once it is set up."""
        client.connect("setup-request", self._setup)

    def _setup(self, _client: GstRtspServer.RTSPClient, context: GstRtspServer.RTSPContext) -> None:
        """Note the transport that a successful SETUP agreed on."""
        transport = context.request.get_header(GstRtsp.RTSPHeaderField.TRANSPORT, 0)[1] or ""
        with self._lock:
            self.sessions.append(
                {"path": context.uri.abspath, "transport": "tcp" if "TCP" in transport else "udp"}
            )

    def drop(self) -> None:
        """Close every client connection (in the main loop, where the server lives)."""

        def remove_all(
            _server: GstRtspServer.RTSPServer, _client: GstRtspServer.RTSPClient
        ) -> GstRtspServer.RTSPFilterResult:
            """Remove each client."""
            return GstRtspServer.RTSPFilterResult.REMOVE

        done = threading.Event()

        def in_main_loop() -> bool:
            """Filter the clients, then let the command answer."""
            self.server.client_filter(remove_all)
            done.set()
            return False

        GLib.idle_add(in_main_loop)
        done.wait(5)

    def command(self, line: str) -> dict[str, object]:
        """Carry out one command line; return the answer."""
        words = line.split()
        if not words:
            return {"ok": False, "error": "empty command"}
        match words:
            case ["stall"]:
                self.flowing.clear()
            case ["resume"]:
                self.flowing.set()
            case ["drop"]:
                self.drop()
            case ["password", user, password] if self.auth is not None:
                self.set_password(user, password)
            case ["status"]:
                with self._lock:
                    return {"ok": True, "sessions": list(self.sessions)}
            case _:
                return {"ok": False, "error": f"unknown command {words[0]}"}
        return {"ok": True}


def _answer(message: dict[str, object]) -> None:
    """Write one JSON line for the owner."""
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    """Serve until ``quit`` or the end of standard input."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--stream", action="append", required=True, help="NAME=PATH")
    parser.add_argument("--auth", choices=("none", "basic", "digest"), default="none")
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--transports", choices=("both", "tcp", "udp"), default="both")
    args = parser.parse_args()
    Gst.init(None)
    camera = Camera(args)
    loop = GLib.MainLoop()
    if camera.server.attach(None) == 0:
        raise SystemExit(f"cannot listen on 127.0.0.1:{args.port}")
    _answer({"ready": True, "port": camera.server.get_bound_port()})

    def read_commands() -> None:
        """Answer commands until quit or the end of input, then end the main loop."""
        for line in sys.stdin:
            if line.strip() == "quit":
                break
            _answer(camera.command(line))
        camera.flowing.set()
        loop.quit()

    threading.Thread(target=read_commands, name="commands", daemon=True).start()
    loop.run()


if __name__ == "__main__":
    main()
