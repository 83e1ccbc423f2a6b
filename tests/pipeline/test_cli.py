"""The command line: JSON lines, the readable log, the summary and error exits.

The scenarios run on every face media (tests/pipeline/face_media.py): the
astronaut always, made by the tests from scikit-image's photo, and the shared
Hamilton clip and its photos when ../shared/media is present. Each media
brings a gallery folder (its person, and two photos skipped with a warning),
its videos, photos and a camera's frames; the tests add broken files. The
astronaut alone covers a tight tolerance, bootstrap in this process and the
log lines of results that need no media.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
import importlib
import io
import json
from pathlib import Path
import re
import runpy
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from custom_components.openeye.pipeline import bootstrap, cli
from custom_components.openeye.pipeline.cli import (
    GalleryWarning,
    Output,
    main,
    scan_live,
    scan_video,
)
from custom_components.openeye.pipeline.engine import FaceEngine
from custom_components.openeye.pipeline.messages import (
    CameraResult,
    FaceDetected,
    FaceLost,
    FaceRecognized,
    Figures,
    ImageAnalysis,
    MotionEnded,
    MotionStarted,
    SourceStatus,
    SourceStatusChanged,
    UnknownFace,
    WorkerReady,
)
from custom_components.openeye.pipeline.settings import AnalysisSettings
from tests.faces import decode, encode, no_face_jpeg, write_face_video
from tests.pipeline.astronaut import write_gallery_folder
from tests.pipeline.face_media import FaceMedia
from tests.pipeline.mjpeg_server import MjpegServer
from tests.pipeline.real_faces import shared_engine
from tests.video_files import write_video

ROOT = Path(__file__).resolve().parents[2]


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal, so that the progress bar is drawn."""

    def isatty(self) -> bool:
        """Pretend to be a terminal."""
        return True


def run(*argv: str, terminal: bool = False) -> tuple[int, str, str]:
    """Run the command line in this process; return its status, output and errors."""
    out = io.StringIO()
    err: io.StringIO = FakeTerminal() if terminal else io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def lines(text: str) -> list[dict[str, Any]]:
    """Return the JSON objects of the output, one per line (every line must be one)."""
    return [json.loads(line) for line in text.splitlines()]


def of_type(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """Return the objects of one type, in order."""
    return [item for item in objects if item["type"] == kind]


def write_photo(folder: Path, stem: str, data: bytes) -> Path:
    """Write a photo under the suffix its bytes call for (PNG or JPEG); return its path."""
    suffix = ".png" if data.startswith(b"\x89PNG") else ".jpg"
    path = folder / f"{stem}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def within(value: float, window: tuple[float, float]) -> bool:
    """Return True if ``value`` lies in the closed interval ``window``."""
    return window[0] <= value <= window[1]


@pytest.fixture(autouse=True)
def engine_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let every scan of this module use the test process's engine instead of loading its own.

    It is the same real engine; loading dlib's models again for each of the
    many scans here would only add half a second to each.
    """
    monkeypatch.setattr(cli, "FaceEngine", shared_engine)


@pytest.fixture(scope="module")
def gallery(face_media: FaceMedia, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the media's gallery folder: its person, maybe others, and two photos to skip."""
    return face_media.write_gallery(tmp_path_factory.mktemp("cli") / "gallery")


def test_json_scan_of_a_video(face_media: FaceMedia, gallery: Path) -> None:
    """Warnings, then each face's results in order with its pts, figures and the summary."""
    status, out, err = run("scan", str(face_media.video), "--gallery", str(gallery), "--json")
    assert status == 0, err
    objects = lines(out)
    name = face_media.person_name
    warnings = [
        (item["person"], Path(item["file"]).name, item["reason"])
        for item in of_type(objects, "gallery_warning")
    ]
    assert warnings == [
        ("Nobody", "gradient.jpg", "no_face"),
        ("Pair", "pair.jpg", "several_faces"),
    ]
    assert [item["type"] for item in objects[:2]] == ["gallery_warning"] * 2
    assert [item["type"] for item in objects[2:4]] == list(face_media.first_results)
    assert objects[-1]["type"] == "summary"
    # Each face's results, in the order the faces appear; the command line names a
    # person by their gallery folder, so that is the id it reports too.
    by_track: dict[int, list[dict[str, Any]]] = {}
    for item in objects:
        if "track_id" in item:
            by_track.setdefault(item["track_id"], []).append(item)
    tracks = list(by_track.values())
    assert [tuple((item["type"], item.get("person_id")) for item in track) for track in tracks] == [
        tuple((kind, None if person is None else name) for kind, person in track)
        for track in face_media.video_tracks
    ]
    for track, times in zip(tracks, face_media.track_times, strict=True):
        _detected, decided, lost = track
        assert within(decided["pts"], times.decided), decided
        assert within(lost["pts"], times.lost), lost
        assert within(lost["duration"], times.lasted), lost
        assert "crop_jpeg" not in decided
        top, right, bottom, left = decided["box"]
        assert 0 <= left < right <= 640
        assert 0 <= top < bottom <= 360
    for recognised in of_type(objects, "face_recognized"):
        assert recognised["person_name"] == name
        assert recognised["camera_id"] == "scan"
        assert (
            recognised["best_distance"] <= recognised["mean_distance"] < face_media.distance_below
        )
    for unknown in of_type(objects, "unknown_face"):
        assert len(unknown["encoding"]) == 128
    # Nobody else in the gallery (Alex Lacamoire, for the clip) is ever named.
    assert {item["person_name"] for item in objects if "person_name" in item} == {name}
    (ended,) = of_type(objects, "motion_ended")
    assert all(ended["pts"] > item["pts"] for item in of_type(objects, "face_lost"))
    summary = objects[-1]
    figures = of_type(objects, "figures")
    unknown_faces = sum(1 for track in face_media.video_tracks if ("unknown_face", None) in track)
    assert summary == {
        "type": "summary",
        "source": str(face_media.video),
        "mode": "file",
        "frames_read": face_media.video_frames,
        "frames_analysed": summary["frames_analysed"],
        "detections": sum(item["detections"] for item in figures),
        "cpu_seconds": summary["cpu_seconds"],
        "wall_seconds": summary["wall_seconds"],
        "people_seen": [name],
        "unknown_faces": unknown_faces,
    }
    # Ten motion checks a second: every frame of a 10 fps video, a third of the clip's.
    assert summary["frames_analysed"] in face_media.video_frames_analysed
    assert sum(item["frames_read"] for item in figures) == face_media.video_frames
    assert sum(item["frames_analysed"] for item in figures) == summary["frames_analysed"]
    assert summary["detections"] in face_media.detections
    assert summary["cpu_seconds"] > 0
    assert summary["wall_seconds"] > 0
    # Read as fast as the analysis goes, not at the video's pace.
    assert summary["wall_seconds"] < face_media.video_frames / face_media.video_fps


def test_readable_log_with_warnings_and_progress_bar(face_media: FaceMedia, gallery: Path) -> None:
    """Without --json: sentences on the output, warnings and a progress bar on the terminal."""
    status, out, err = run(
        "scan", str(face_media.video), "--gallery", str(gallery), "--crops", terminal=True
    )
    assert status == 0, err
    name = face_media.person_name
    log = out.splitlines()
    motion, face = (0, 1) if face_media.first_results[0] == "motion_started" else (1, 0)
    assert re.fullmatch(r"\[ +0\.\d\d s\] motion started", log[motion])
    detected = re.fullmatch(
        r"\[ +0\.\d\d s\] face 1 detected at top (\d+), right (\d+), bottom (\d+), "
        r"left (\d+) \((\d+) px wide\)",
        log[face],
    )
    assert detected is not None, log[face]
    top, right, bottom, left, wide = (int(value) for value in detected.groups())
    assert wide == right - left
    widths, rows = face_media.first_face
    assert wide in widths
    assert rows.start <= top < bottom < rows.stop
    assert re.search(
        rf"face 1 recognised: {name} \(distance 0\.\d\d, best 0\.\d\d, confidence \d+%\)", out
    )
    lasted = re.search(rf"face 1 \({name}\) lost after (\d+\.\d) s", out)
    assert lasted is not None
    first = face_media.track_times[0].lasted
    assert first[0] - 0.05 <= float(lasted.group(1)) <= first[1] + 0.05
    assert "] motion ended" in out
    figures = re.findall(r"figures: (\d+) frames read, (\d+) analysed \(", out)
    assert len(figures) >= 2
    assert sum(int(read) for read, _analysed in figures) == face_media.video_frames
    done = re.fullmatch(
        rf"Done: {face_media.video_frames} frames read, (\d+) analysed, .*"
        rf"People seen: {name}; unknown faces: (\d+)\.",
        log[-1],
    )
    assert done is not None, log[-1]
    assert int(done.group(1)) in face_media.video_frames_analysed
    assert int(done.group(2)) == sum(
        1 for track in face_media.video_tracks if ("unknown_face", None) in track
    )
    # No JSON, no crops in the readable form.
    assert "{" not in out
    assert "/9j/" not in out
    assert "warning: gallery photo" in err
    assert "(Nobody) skipped: no face was found in the photo" in err
    assert "(Pair) skipped: 2 faces were found; a gallery photo must show one" in err
    assert "[###" in err
    total = face_media.video_frames
    assert f"] 100% {total}/{total} frames" in err
    # The bar is erased before a log line is written, so that the two never mix.
    assert "\r" + " " * 70 + "\r" in err


def test_json_crops_and_duration(face_media: FaceMedia, gallery: Path) -> None:
    """--crops keeps the face's crop as base64 JPEG; --duration stops the scan early."""
    status, out, err = run(
        "scan",
        str(face_media.video),
        "--gallery",
        str(gallery),
        "--json",
        "--crops",
        "--duration",
        "1",
    )
    assert status == 0, err
    objects = lines(out)
    (recognised,) = of_type(objects, "face_recognized")
    crop = base64.b64decode(recognised["crop_jpeg"])
    assert crop.startswith(b"\xff\xd8")
    assert max(decode(crop).shape[:2]) <= 160
    # The scan stops at the first frame at or after 1 s: its open track is closed there.
    (lost,) = of_type(objects, "face_lost")
    assert lost["pts"] == pytest.approx(1.0, abs=0.01)
    summary = objects[-1]
    # A second of frames, and the one at which the scan stops.
    assert summary["frames_read"] <= face_media.video_fps + 2
    assert summary["people_seen"] == [face_media.person_name]


def test_a_tight_tolerance_makes_the_astronaut_unknown(tmp_path: Path) -> None:
    """Beyond the tolerance her face is unknown, with its encoding and the distance it missed by."""
    gallery = write_gallery_folder(tmp_path / "gallery")
    # 1.2 s of her head, then 0.8 s without.
    video = tmp_path / "short.mp4"
    write_face_video(str(video), frames=12, fps=10.0, absent_frames=8)
    status, out, err = run(
        "scan", str(video), "--gallery", str(gallery), "--json", "--tolerance", "0.02"
    )
    assert status == 0, err
    objects = lines(out)
    assert of_type(objects, "face_recognized") == []
    (unknown,) = of_type(objects, "unknown_face")
    assert 0.02 < unknown["best_distance"] < 0.3
    assert len(unknown["encoding"]) == 128
    (lost,) = of_type(objects, "face_lost")
    assert lost["person_id"] is None
    assert objects[-1]["people_seen"] == []
    assert objects[-1]["unknown_faces"] == 1
    status, out, err = run("scan", str(video), "--gallery", str(gallery), "--tolerance", "0.02")
    assert status == 0, err
    assert re.search(r"face 1 is unknown \(closest known face at 0\.\d\d\)", out)
    assert re.search(r"face 1 lost after 1\.\d s", out)
    assert out.splitlines()[-1].endswith("People seen: nobody known; unknown faces: 1.")


def test_scan_video_as_a_function_skips_the_frames_not_due(face_media: FaceMedia) -> None:
    """At 30 fps a third of the frames are analysed; the scan closes at the last frame read."""
    results: list[object] = []
    summary = scan_video(
        str(face_media.fast_video),
        shared_engine(),
        face_media.gallery,
        AnalysisSettings(),
        results.append,
    )
    assert summary.mode == "file"
    assert summary.frames_read == 60
    # Ten motion checks a second over two seconds of video.
    assert 18 <= summary.frames_analysed <= 21
    assert summary.people_seen == [face_media.person_name]
    recognised = [result for result in results if isinstance(result, FaceRecognized)]
    assert [result.person_id for result in recognised] == [face_media.person_id]
    # The last figures are dated at the last frame read (59/30 s), which was not analysed.
    figures = [result for result in results if isinstance(result, Figures)]
    assert figures[-1].pts == pytest.approx(59 / 30, abs=0.002)
    assert sum(item.frames_read for item in figures) == 60
    assert sum(item.frames_analysed for item in figures) == summary.frames_analysed


def test_realtime_scan_reads_at_the_videos_pace_to_its_end(
    face_media: FaceMedia, gallery: Path
) -> None:
    """--realtime: the source's statuses, the name, the end of the file and a full progress bar."""
    status, out, err = run(
        "scan",
        str(face_media.short_video),
        "--gallery",
        str(gallery),
        "--json",
        "--realtime",
        terminal=True,
    )
    assert status == 0, err
    objects = lines(out)
    statuses = [(item["status"], item["detail"]) for item in of_type(objects, "source_status")]
    assert statuses == [
        ("connecting", None),
        ("streaming", None),
        ("ended", "the file has ended"),
    ]
    assert [item["person_name"] for item in of_type(objects, "face_recognized")] == [
        face_media.person_name
    ]
    summary = objects[-1]
    assert summary["mode"] == "realtime"
    assert summary["frames_read"] == face_media.short_frames
    # Two seconds of video take about two seconds; frames may be dropped, never queued.
    assert summary["wall_seconds"] >= 0.75 * face_media.short_frames / face_media.short_fps
    assert 0 < summary["frames_analysed"] <= summary["frames_read"]
    assert f"] 100% {summary['frames_read']}/{summary['frames_read']} frames" in err


def test_realtime_scan_stops_after_its_duration(face_media: FaceMedia, gallery: Path) -> None:
    """--realtime --duration reads only the first part of the video, in the readable form."""
    seconds = face_media.realtime_seconds
    status, out, err = run(
        "scan",
        str(face_media.video),
        "--gallery",
        str(gallery),
        "--realtime",
        "--duration",
        str(seconds),
    )
    assert status == 0, err
    assert out.index("source connecting") < out.index("source streaming")
    assert "source ended" not in out
    # In real time a busy machine analyses fewer frames and may miss a track
    # that is in view briefly (the clip's small far face); the person is
    # named at least once, and never more often than the video's tracks.
    named = out.count(f" recognised: {face_media.person_name} ")
    assert 1 <= named <= face_media.realtime_names
    assert " recognised: " not in out.replace(f" recognised: {face_media.person_name} ", "")
    done = re.search(r"Done: (\d+) frames read, .* in (\d+\.\d\d) s\.", out)
    assert done is not None
    # The frames up to the duration are read; a busy machine may read a few more
    # before the stop.
    due = seconds * face_media.video_fps
    assert int(due) <= int(done.group(1)) <= due + 14
    # Read at the video's own pace: the duration takes about as long.
    assert float(done.group(2)) >= 0.8 * seconds


@pytest.fixture
def camera(face_media: FaceMedia, socket_enabled: None) -> Iterator[MjpegServer]:
    """Serve the media's camera frames (its person in view) as an MJPEG camera."""
    with MjpegServer(face_media.camera_frames(), fps=face_media.camera_fps) as server:
        yield server


def test_stream_from_a_camera(face_media: FaceMedia, gallery: Path, camera: MjpegServer) -> None:
    """A live MJPEG stream is read until the duration is over; the person is named once."""
    status, out, err = run(
        "scan", camera.url, "--gallery", str(gallery), "--json", "--duration", "2.5"
    )
    assert status == 0, err
    objects = lines(out)
    assert [item["status"] for item in of_type(objects, "source_status")][:2] == [
        "connecting",
        "streaming",
    ]
    assert [item["person_name"] for item in of_type(objects, "face_recognized")] == [
        face_media.person_name
    ]
    summary = objects[-1]
    assert summary["mode"] == "stream"
    assert summary["source"] == camera.url
    # More than half of the frames the camera sends in 2.5 s.
    assert summary["frames_read"] >= 0.53 * face_media.camera_fps * 2.5


def test_a_stream_nobody_serves_fails_at_once(gallery: Path, camera: MjpegServer) -> None:
    """A refused connection ends the scan with source_unavailable instead of retrying forever."""
    camera.stop()
    status, out, err = run("scan", camera.url, "--gallery", str(gallery), "--json")
    assert status == 1
    error = lines(out)[-1]
    assert error["type"] == "error"
    assert error["code"] == "source_unavailable"
    assert error["detail"] == f"{camera.url}: the connection was refused"
    assert f"openeye scan: error: {camera.url}: the connection was refused" in err


def test_photos_as_sources(face_media: FaceMedia, gallery: Path, tmp_path: Path) -> None:
    """A photo gets the still-image analysis: every face, its name and a one-frame summary."""
    name = face_media.person_name
    group = write_photo(tmp_path, "group", face_media.group_photo)
    status, out, err = run("scan", str(group), "--gallery", str(gallery), "--json")
    assert status == 0, err
    *_warnings, analysis, summary = lines(out)
    assert analysis["type"] == "image_analysis"
    assert (analysis["width"], analysis["height"]) == face_media.group_size
    names = [None if person is None else name for person in face_media.group_ids]
    assert [face["person_name"] for face in analysis["faces"]] == names
    assert all("crop_jpeg" not in face for face in analysis["faces"])
    assert all(len(face["encoding"]) == 128 for face in analysis["faces"])
    assert summary["mode"] == "image"
    assert (summary["frames_read"], summary["frames_analysed"]) == (1, 1)
    assert summary["people_seen"] == sorted({person for person in names if person})
    assert summary["unknown_faces"] == names.count(None)

    # Another photo of the person (the astronaut mirrored; the clip's only photo of
    # him again) is named in the readable form.
    probe = write_photo(tmp_path, "probe", face_media.probe_photo)
    status, out, _err = run("scan", str(probe), "--gallery", str(gallery))
    assert status == 0
    height, width = decode(face_media.probe_photo).shape[:2]
    assert f"{width}x{height} image, 1 face(s)" in out
    assert re.search(
        rf"  face 1 at top \d+, right \d+, bottom \d+, left \d+: {name} "
        r"\(distance 0\.\d\d, confidence \d+%\)",
        out,
    )
    assert f"People seen: {name}; unknown faces: 0." in out
    # The gallery's own photo is the person at a distance of 0.
    photo = write_photo(tmp_path, "photo", face_media.photo)
    status, out, _err = run("scan", str(photo), "--gallery", str(gallery))
    assert status == 0
    assert f": {name} (distance 0.00, confidence 100%)" in out


def test_photos_without_a_known_face(face_media: FaceMedia, gallery: Path, tmp_path: Path) -> None:
    """A photo without a face, and a face nobody in the gallery is near enough, name nobody."""
    empty = tmp_path / "gradient.jpeg"
    empty.write_bytes(no_face_jpeg())
    status, out, _err = run("scan", str(empty), "--gallery", str(gallery))
    assert status == 0
    assert "320x240 image, 0 face(s)" in out
    assert "People seen: nobody known; unknown faces: 0." in out
    data, arguments = face_media.stranger
    stranger = write_photo(tmp_path, "stranger", data)
    status, out, _err = run("scan", str(stranger), "--gallery", str(gallery), *arguments)
    assert status == 0
    assert ": nobody known within the tolerance" in out
    assert "People seen: nobody known; unknown faces: 1." in out


def test_gallery_errors(face_media: FaceMedia, tmp_path: Path) -> None:
    """A missing gallery, and one whose photos are all unusable, are clear errors (status 1)."""
    photo = write_photo(tmp_path, "photo", face_media.photo)
    missing = tmp_path / "nope"
    status, out, err = run("scan", str(photo), "--gallery", str(missing), "--json")
    assert status == 1
    assert lines(out) == [
        {
            "type": "error",
            "code": "gallery_missing",
            "detail": f"The gallery folder {missing} does not exist",
        }
    ]
    assert err == f"openeye scan: error: The gallery folder {missing} does not exist\n"

    folder = tmp_path / "gallery"
    (folder / "Nobody").mkdir(parents=True)
    (folder / "Nobody" / "gradient.jpg").write_bytes(no_face_jpeg())
    (folder / "Nobody" / "grey.png").write_bytes(
        encode(np.full((200, 200, 3), 128, np.uint8), ".png")
    )
    (folder / "Nobody" / "broken.jpg").write_bytes(face_media.photo[:200])
    (folder / "Nobody" / "notes.txt").write_text("not a photo: ignored")
    write_photo(folder / "Pair", "pair", face_media.group_photo)
    (folder / "Empty").mkdir()
    loose = write_photo(folder, "loose", face_media.photo)
    (folder / "README.txt").write_text("ignored too")
    status, out, err = run("scan", str(photo), "--gallery", str(folder), "--json")
    assert status == 1
    objects = lines(out)
    assert [(item["person"], Path(item["file"]).name, item["reason"]) for item in objects[:-1]] == [
        ("Nobody", "broken.jpg", "not_an_image"),
        ("Nobody", "gradient.jpg", "no_face"),
        ("Nobody", "grey.png", "no_face"),
        ("Pair", "pair.jpg", "several_faces"),
        ("", loose.name, "not_in_person_folder"),
    ]
    assert objects[-1]["code"] == "gallery_empty"
    assert "has no usable face" in objects[-1]["detail"]
    # The readable form warns on the error stream.
    status, out, err = run("scan", str(photo), "--gallery", str(folder))
    assert status == 1
    assert out == ""
    assert f"warning: gallery photo {loose} skipped: photos belong in a" in err
    assert "(Nobody) skipped: The data is not a JPEG or PNG image" in err
    assert "(Pair) skipped: 2 faces were found" in err
    assert err.splitlines()[-1].startswith("openeye scan: error: The gallery")


def test_sources_that_cannot_be_read(face_media: FaceMedia, gallery: Path, tmp_path: Path) -> None:
    """A missing file, a video that is none, a video without frames and a broken photo fail."""
    status, _out, err = run("scan", str(tmp_path / "missing.mp4"), "--gallery", str(gallery))
    assert status == 1
    assert f"The source {tmp_path / 'missing.mp4'} does not exist" in err
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"\x00" * 1000)
    for extra in ((), ("--realtime",)):
        status, out, err = run("scan", str(fake), "--gallery", str(gallery), "--json", *extra)
        assert status == 1
        assert lines(out)[-1] == {
            "type": "error",
            "code": "source_unavailable",
            "detail": (
                f"the video file {fake} could not be opened: "
                "the source is not a video OpenEye can read"
            ),
        }
        assert "could not be opened" in err
    empty = tmp_path / "empty.avi"
    write_video(empty, [], 10.0)
    status, _out, err = run("scan", str(empty), "--gallery", str(gallery))
    assert status == 1
    assert f"the video file {empty} has no frame that can be read" in err
    broken = write_photo(tmp_path, "broken", face_media.photo[:200])
    # A photo is read from a path and from a file:// URL alike.
    for source in (str(broken), f"file://{broken}"):
        status, out, _err = run("scan", source, "--gallery", str(gallery), "--json")
        assert status == 1
        error = lines(out)[-1]
        assert error["code"] == "source_unavailable"
        assert error["detail"].startswith(f"The photo {broken}: The data is not a JPEG or PNG")


def test_bad_arguments_and_a_missing_engine(
    face_media: FaceMedia, gallery: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Out-of-range values exit with status 2; without dlib's models the scan fails clearly."""
    photo = write_photo(tmp_path, "photo", face_media.photo)
    for bad in (
        ("--tolerance", "0"),
        ("--tolerance", "1.3"),
        ("--tolerance", "2"),
        ("--detection-scale", "0"),
        ("--detection-scale", "-1"),
    ):
        with pytest.raises(SystemExit) as exit_info:
            run("scan", str(photo), "--gallery", str(gallery), *bad)
        assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        run("scan", str(photo))
    assert exit_info.value.code == 2
    # The real engine is loaded, from a models package that is not installed.
    monkeypatch.setattr(cli, "FaceEngine", FaceEngine)
    monkeypatch.setattr(
        "custom_components.openeye.pipeline.engine.MODELS_PACKAGES", (("openeye_none", "models"),)
    )
    status, out, err = run("scan", str(photo), "--gallery", str(gallery), "--json")
    assert status == 1
    assert lines(out)[-1]["code"] == "engine_unavailable"
    assert "not installed" in err


def test_ctrl_c_ends_a_live_scan_with_its_summary(face_media: FaceMedia) -> None:
    """Interrupted right after the first face appears, a live scan still names it and sums up."""
    results: list[object] = []

    def interrupt_at_the_first_face(result: object) -> None:
        results.append(result)
        if isinstance(result, FaceDetected):
            raise KeyboardInterrupt

    summary = scan_live(
        str(face_media.video),
        shared_engine(),
        face_media.gallery,
        AnalysisSettings(),
        interrupt_at_the_first_face,
    )
    # The open track is decided and closed, then motion ends if it had started.
    kinds = [type(result) for result in results]
    closing = [FaceRecognized, FaceLost, Figures]
    if MotionStarted in kinds:
        closing.insert(2, MotionEnded)
    assert kinds[-len(closing) :] == closing
    recognised = results[-len(closing)]
    assert isinstance(recognised, FaceRecognized)
    assert recognised.person_name == face_media.person_name
    # On the astronaut's video motion starts before her face is seen.
    assert (MotionStarted in kinds) == (face_media.first_results[0] == "motion_started")
    assert summary.mode == "realtime"
    assert summary.people_seen == [face_media.person_name]
    # Stopped long before the end of the video, within three seconds of it.
    assert summary.wall_seconds < 3
    assert summary.frames_read < 3 * face_media.video_fps


def test_module_entry_point(gallery: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``python -m custom_components.openeye.pipeline`` runs the command line (importing: not)."""
    module = importlib.import_module("custom_components.openeye.pipeline.__main__")
    assert module.main is main
    # runpy warns when the module it runs as __main__ is imported already.
    monkeypatch.delitem(sys.modules, "custom_components.openeye.pipeline.__main__")
    monkeypatch.setattr(sys, "argv", ["openeye", "scan", "missing.png", "--gallery", str(gallery)])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("custom_components.openeye.pipeline", run_name="__main__")
    assert exit_info.value.code == 1


def test_bootstrap_in_this_process_keeps_the_loaded_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Where the packages are imported already, bootstrap runs the module without stubbing them."""
    gallery = write_gallery_folder(tmp_path / "gallery")
    integration = sys.modules["custom_components.openeye"]
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setattr(sys, "path", ["/nonexistent", *sys.path])
    monkeypatch.delitem(sys.modules, "custom_components.openeye.pipeline.__main__", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        bootstrap.main(["__main__", "scan", "missing.png", "--gallery", str(gallery)])
    assert exit_info.value.code == 1
    # Only the pipeline's own folder is taken off the path, not another first entry.
    assert sys.path[0] == "/nonexistent"
    assert sys.modules["custom_components.openeye"] is integration
    assert sys.argv[1:] == ["scan", "missing.png", "--gallery", str(gallery)]
    assert "The source missing.png does not exist" in capsys.readouterr().err


def test_in_a_fresh_process_without_home_assistant(
    face_media: FaceMedia, gallery: Path, tmp_path: Path
) -> None:
    """Started through bootstrap.py, the command names the person in a photo without HA."""
    photo = write_photo(tmp_path, "photo", face_media.photo)
    script = ROOT / "custom_components" / "openeye" / "pipeline" / "bootstrap.py"
    completed = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            str(script),
            "__main__",
            "scan",
            str(photo),
            "--gallery",
            str(gallery),
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    summary = json.loads(completed.stdout.splitlines()[-1])
    assert summary["mode"] == "image"
    assert summary["people_seen"] == [face_media.person_name]
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in completed.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "custom_components.openeye.pipeline.cli" in imported
    assert not {name for name in imported if name.split(".")[0] == "homeassistant"}


def test_describe_covers_every_result() -> None:
    """Results without a sentence of their own are not logged; image errors and statuses are."""
    assert cli.describe(WorkerReady(pid=1)) is None
    assert cli.describe(CameraResult("scan", 0.0, 0.0)) is None
    assert cli.describe(ImageAnalysis(1, error="not_an_image", error_detail="bad")) == (
        "the image cannot be analysed: bad"
    )
    ended = SourceStatusChanged(
        "scan", 2.0, 2.0, status=SourceStatus.ENDED, detail="the file has ended"
    )
    assert cli.describe(ended) == "[    2.00 s] source ended: the file has ended"
    connecting = SourceStatusChanged("scan", 0.0, 0.0, status=SourceStatus.CONNECTING)
    assert cli.describe(connecting) == "[    0.00 s] source connecting"
    output = Output(
        json_lines=False, crops=False, out=io.StringIO(), err=io.StringIO(), progress=True
    )
    output.progress(5, 0)
    output.progress(1, 10)
    output.progress(2, 10)
    assert output.err.getvalue().count("\r[") == 1
    output.warning(GalleryWarning("", "x.png", "no_face", "no face"))
    output.result(WorkerReady(pid=1))
    assert output.out.getvalue() == ""
    unknown = UnknownFace("scan", 1.0, 1.0, track_id=3, best_distance=None)
    assert cli.describe(unknown) == "[    1.00 s] face 3 is unknown (nobody is known)"
    assert "warning: gallery photo x.png skipped: no face" in output.err.getvalue()
