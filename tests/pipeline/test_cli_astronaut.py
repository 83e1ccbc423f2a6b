"""The command line without shared media: the astronaut's face in a gallery, videos and photos.

Every source here is made by the test from scikit-image's astronaut (Eileen
Collins), so these tests run on a fresh clone too: a gallery folder with her
photo (and two photos that are skipped with a warning), an MP4 of her head
moving across a grey background, photos, an MJPEG camera on loopback, and
broken files.
"""

from __future__ import annotations

import base64
import importlib
import io
import json
from pathlib import Path
import re
import runpy
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

from custom_components.openeye.pipeline import bootstrap, cli
from custom_components.openeye.pipeline.cli import main, scan_live, scan_video
from custom_components.openeye.pipeline.engine import FaceEngine
from custom_components.openeye.pipeline.messages import (
    FaceDetected,
    FaceLost,
    FaceRecognized,
    Figures,
    MotionEnded,
)
from custom_components.openeye.pipeline.settings import AnalysisSettings
from tests.faces import (
    decode,
    mirrored_face_jpeg,
    no_face_jpeg,
    one_face_jpeg,
    one_face_png,
    two_faces_jpeg,
    write_face_video,
)
from tests.pipeline.astronaut import GALLERY_PERSON, astronaut_gallery, write_gallery_folder
from tests.pipeline.real_faces import shared_engine
from tests.video_files import write_video

if TYPE_CHECKING:
    from tests.pipeline.mjpeg_server import MjpegServer

ROOT = Path(__file__).resolve().parents[2]
# The face video: the head for 40 frames (4 s at 10 fps), then 20 empty frames.
FACE_FRAMES, EMPTY_FRAMES, FPS = 40, 20, 10.0
# The short video read in real time: 1.2 s of face, 0.8 s without.
SHORT_FACE_FRAMES, SHORT_EMPTY_FRAMES = 12, 8


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


@pytest.fixture(autouse=True)
def engine_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let every scan of this module use the test process's engine instead of loading its own.

    It is the same real engine; loading dlib's models again for each of the
    many scans here would only add half a second to each.
    """
    monkeypatch.setattr(cli, "FaceEngine", shared_engine)


@pytest.fixture(scope="module")
def known_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a gallery folder with the astronaut's photo alone, for the tests of errors."""
    folder = tmp_path_factory.mktemp("cli") / "known"
    (folder / GALLERY_PERSON).mkdir(parents=True)
    (folder / GALLERY_PERSON / "head.jpg").write_bytes(one_face_jpeg())
    return folder


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a gallery folder that knows the astronaut, with two photos to skip."""
    return write_gallery_folder(tmp_path_factory.mktemp("cli") / "gallery")


@pytest.fixture(scope="module")
def face_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a 6-second MP4: the astronaut's head for 4 s, then the background alone."""
    path = tmp_path_factory.mktemp("cli") / "face.mp4"
    write_face_video(str(path), frames=FACE_FRAMES, fps=FPS, absent_frames=EMPTY_FRAMES)
    return path


@pytest.fixture(scope="module")
def short_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a 2-second MP4 of the head then the background, to read in real time."""
    path = tmp_path_factory.mktemp("cli") / "short.mp4"
    write_face_video(str(path), frames=SHORT_FACE_FRAMES, fps=FPS, absent_frames=SHORT_EMPTY_FRAMES)
    return path


def test_json_scan_of_a_video_names_the_astronaut(gallery: Path, face_video: Path) -> None:
    """Warnings, then one recognition, a loss, the end of motion, figures and the summary."""
    status, out, err = run("scan", str(face_video), "--gallery", str(gallery), "--json")
    assert status == 0, err
    objects = lines(out)
    warnings = [
        (item["person"], Path(item["file"]).name, item["reason"])
        for item in of_type(objects, "gallery_warning")
    ]
    assert warnings == [
        ("Nobody", "gradient.jpg", "no_face"),
        ("Pair", "pair.jpg", "several_faces"),
    ]
    assert objects[0]["type"] == "gallery_warning"
    assert objects[-1]["type"] == "summary"
    assert [item["type"] for item in objects if "track_id" in item] == [
        "face_detected",
        "face_recognized",
        "face_lost",
    ]
    (recognised,) = of_type(objects, "face_recognized")
    assert recognised["person_name"] == GALLERY_PERSON
    assert recognised["person_id"] == GALLERY_PERSON
    assert recognised["camera_id"] == "scan"
    assert recognised["best_distance"] <= recognised["mean_distance"] < 0.3
    assert recognised["pts"] < FACE_FRAMES / FPS
    assert "crop_jpeg" not in recognised
    top, right, bottom, left = recognised["box"]
    assert 0 <= left < right <= 640
    assert 0 <= top < bottom <= 360
    (lost,) = of_type(objects, "face_lost")
    assert lost["person_id"] == GALLERY_PERSON
    # The head leaves at 4 s; its track times out one second after its last detection.
    assert 4.5 <= lost["pts"] <= 5.5
    assert 3.4 <= lost["duration"] <= 4.0
    (ended,) = of_type(objects, "motion_ended")
    assert ended["pts"] > lost["pts"]
    summary = objects[-1]
    figures = of_type(objects, "figures")
    assert summary == {
        "type": "summary",
        "source": str(face_video),
        "mode": "file",
        "frames_read": FACE_FRAMES + EMPTY_FRAMES,
        # Ten motion checks a second: every frame of a 10 fps video is analysed.
        "frames_analysed": FACE_FRAMES + EMPTY_FRAMES,
        "detections": sum(item["detections"] for item in figures),
        "cpu_seconds": summary["cpu_seconds"],
        "wall_seconds": summary["wall_seconds"],
        "people_seen": [GALLERY_PERSON],
        "unknown_faces": 0,
    }
    assert sum(item["frames_read"] for item in figures) == FACE_FRAMES + EMPTY_FRAMES
    assert sum(item["frames_analysed"] for item in figures) == FACE_FRAMES + EMPTY_FRAMES
    # At most five detections a second, over 6 seconds of video.
    assert 20 <= summary["detections"] <= 31
    assert summary["cpu_seconds"] > 0
    assert summary["wall_seconds"] > 0
    # Read as fast as the analysis goes, not at the video's pace.
    assert summary["wall_seconds"] < (FACE_FRAMES + EMPTY_FRAMES) / FPS


def test_readable_log_with_warnings_and_progress_bar(gallery: Path, face_video: Path) -> None:
    """Without --json: sentences on the output, warnings and a progress bar on the terminal."""
    status, out, err = run(
        "scan", str(face_video), "--gallery", str(gallery), "--crops", terminal=True
    )
    assert status == 0, err
    log = out.splitlines()
    assert re.fullmatch(r"\[ +0\.\d\d s\] motion started", log[0])
    detected = re.fullmatch(
        r"\[ +0\.\d\d s\] face 1 detected at top (\d+), right (\d+), bottom (\d+), "
        r"left (\d+) \((\d+) px wide\)",
        log[1],
    )
    assert detected is not None, log[1]
    top, right, bottom, left, wide = (int(value) for value in detected.groups())
    assert wide == right - left
    assert 70 <= wide <= 110
    # The head is pasted 50 px from the top of the frame and is 260 px tall.
    assert 50 <= top < bottom <= 310
    assert re.search(
        rf"face 1 recognised: {GALLERY_PERSON} \(distance 0\.\d\d, best 0\.\d\d, "
        r"confidence \d+%\)",
        out,
    )
    assert re.search(rf"face 1 \({GALLERY_PERSON}\) lost after 3\.\d s", out)
    assert "] motion ended" in out
    figures = re.findall(r"figures: (\d+) frames read, (\d+) analysed \(", out)
    assert len(figures) >= 2
    assert sum(int(read) for read, _analysed in figures) == 60
    assert log[-1].startswith("Done: 60 frames read, 60 analysed, ")
    assert log[-1].endswith(f"People seen: {GALLERY_PERSON}; unknown faces: 0.")
    # No JSON, no crops in the readable form.
    assert "{" not in out
    assert "/9j/" not in out
    assert "warning: gallery photo" in err
    assert "(Nobody) skipped: no face was found in the photo" in err
    assert "(Pair) skipped: 2 faces were found; a gallery photo must show one" in err
    assert "] 100% 60/60 frames" in err
    # The bar is erased before a log line is written, so that the two never mix.
    assert "\r" + " " * 70 + "\r" in err


def test_json_crops_and_duration(gallery: Path, face_video: Path) -> None:
    """--crops keeps the face's crop as base64 JPEG; --duration stops the scan early."""
    status, out, err = run(
        "scan", str(face_video), "--gallery", str(gallery), "--json", "--crops", "--duration", "1"
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
    assert summary["frames_read"] <= 12
    assert summary["people_seen"] == [GALLERY_PERSON]


def test_a_tight_tolerance_makes_the_astronaut_unknown(gallery: Path, short_video: Path) -> None:
    """Beyond the tolerance her face is unknown, with its encoding and the distance it missed by."""
    status, out, err = run(
        "scan", str(short_video), "--gallery", str(gallery), "--json", "--tolerance", "0.02"
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
    status, out, err = run(
        "scan", str(short_video), "--gallery", str(gallery), "--tolerance", "0.02"
    )
    assert status == 0, err
    assert re.search(r"face 1 is unknown \(closest known face at 0\.\d\d\)", out)
    assert re.search(r"face 1 lost after 1\.\d s", out)
    assert out.splitlines()[-1].endswith("People seen: nobody known; unknown faces: 1.")


def test_realtime_scan_reads_at_the_videos_pace_to_its_end(
    gallery: Path, short_video: Path
) -> None:
    """--realtime: the source's statuses, the name, the end of the file and a full progress bar."""
    status, out, err = run(
        "scan", str(short_video), "--gallery", str(gallery), "--json", "--realtime", terminal=True
    )
    assert status == 0, err
    objects = lines(out)
    statuses = [(item["status"], item["detail"]) for item in of_type(objects, "source_status")]
    assert statuses == [
        ("connecting", None),
        ("streaming", None),
        ("ended", "the file has ended"),
    ]
    assert [item["person_name"] for item in of_type(objects, "face_recognized")] == [GALLERY_PERSON]
    summary = objects[-1]
    assert summary["mode"] == "realtime"
    assert summary["frames_read"] == SHORT_FACE_FRAMES + SHORT_EMPTY_FRAMES
    # Two seconds of video take about two seconds; frames may be dropped, never queued.
    assert summary["wall_seconds"] >= 1.5
    assert 0 < summary["frames_analysed"] <= summary["frames_read"]
    assert f"] 100% {summary['frames_read']}/{summary['frames_read']} frames" in err


def test_realtime_scan_stops_after_its_duration(gallery: Path, face_video: Path) -> None:
    """--realtime --duration reads only the first part of a long video, in the readable form."""
    status, out, err = run(
        "scan", str(face_video), "--gallery", str(gallery), "--realtime", "--duration", "0.6"
    )
    assert status == 0, err
    assert "source connecting" in out
    assert "source streaming" in out
    assert "source ended" not in out
    done = re.search(r"Done: (\d+) frames read", out)
    assert done is not None
    # About 7 frames are read by 0.6 s; a busy machine may read a few more before the stop.
    assert 6 <= int(done.group(1)) <= 20


def test_stream_from_a_camera(gallery: Path, camera: MjpegServer) -> None:
    """A live MJPEG stream of the astronaut is read until the duration is over; she is named."""
    status, out, err = run(
        "scan", camera.url, "--gallery", str(gallery), "--json", "--duration", "1.5"
    )
    assert status == 0, err
    objects = lines(out)
    assert [item["status"] for item in of_type(objects, "source_status")][:2] == [
        "connecting",
        "streaming",
    ]
    assert [item["person_name"] for item in of_type(objects, "face_recognized")] == [GALLERY_PERSON]
    summary = objects[-1]
    assert summary["mode"] == "stream"
    assert summary["source"] == camera.url
    # 20 frames a second for 1.5 s.
    assert summary["frames_read"] >= 15


def test_a_stream_nobody_serves_fails_at_once(known_only: Path, camera: MjpegServer) -> None:
    """A refused connection ends the scan with source_unavailable instead of retrying forever."""
    camera.stop()
    status, out, err = run("scan", camera.url, "--gallery", str(known_only), "--json")
    assert status == 1
    error = lines(out)[-1]
    assert error["type"] == "error"
    assert error["code"] == "source_unavailable"
    assert error["detail"] == f"{camera.url}: the connection was refused"
    assert f"openeye scan: error: {camera.url}: the connection was refused" in err


def test_photos_as_sources(gallery: Path, tmp_path: Path) -> None:
    """A photo gets the still-image analysis: every face, its name and a one-frame summary."""
    pair = tmp_path / "pair.jpg"
    pair.write_bytes(two_faces_jpeg())
    status, out, err = run("scan", str(pair), "--gallery", str(gallery), "--json")
    assert status == 0, err
    *_warnings, analysis, summary = lines(out)
    assert analysis["type"] == "image_analysis"
    assert (analysis["width"], analysis["height"]) == (560, 260)
    assert [face["person_name"] for face in analysis["faces"]] == [GALLERY_PERSON] * 2
    assert all("crop_jpeg" not in face for face in analysis["faces"])
    assert all(len(face["encoding"]) == 128 for face in analysis["faces"])
    assert summary["mode"] == "image"
    assert (summary["frames_read"], summary["frames_analysed"]) == (1, 1)
    assert summary["people_seen"] == [GALLERY_PERSON]
    assert summary["unknown_faces"] == 0

    mirrored = tmp_path / "mirrored.PNG"
    mirrored.write_bytes(one_face_png())
    status, out, _err = run("scan", str(mirrored), "--gallery", str(gallery))
    assert status == 0
    assert "280x260 image, 1 face(s)" in out
    assert re.search(
        rf"  face 1 at top \d+, right \d+, bottom \d+, left \d+: {GALLERY_PERSON} "
        r"\(distance 0\.\d\d, confidence \d+%\)",
        out,
    )
    assert f"People seen: {GALLERY_PERSON}; unknown faces: 0." in out


def test_photos_without_a_known_face(gallery: Path, tmp_path: Path) -> None:
    """A photo without a face, and a face beyond the tolerance, name nobody."""
    empty = tmp_path / "gradient.jpeg"
    empty.write_bytes(no_face_jpeg())
    status, out, _err = run("scan", str(empty), "--gallery", str(gallery))
    assert status == 0
    assert "320x240 image, 0 face(s)" in out
    assert "People seen: nobody known; unknown faces: 0." in out
    # The mirrored face is the same person about 0.19 away: outside a 0.1 tolerance.
    mirrored = tmp_path / "mirrored.jpg"
    mirrored.write_bytes(mirrored_face_jpeg())
    status, out, _err = run("scan", str(mirrored), "--gallery", str(gallery), "--tolerance", "0.1")
    assert status == 0
    assert ": nobody known within the tolerance" in out
    assert "People seen: nobody known; unknown faces: 1." in out


def test_gallery_errors(tmp_path: Path) -> None:
    """A missing gallery, and one whose photos are all unusable, are clear errors (status 1)."""
    photo = tmp_path / "head.jpg"
    photo.write_bytes(one_face_jpeg())
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
    (folder / "Nobody" / "broken.jpg").write_bytes(one_face_jpeg()[:200])
    (folder / "Nobody" / "notes.txt").write_text("not a photo: ignored")
    (folder / "Pair").mkdir()
    (folder / "Pair" / "pair.jpg").write_bytes(two_faces_jpeg())
    (folder / "Empty").mkdir()
    (folder / "loose.jpg").write_bytes(one_face_jpeg())
    (folder / "README.txt").write_text("ignored too")
    status, out, err = run("scan", str(photo), "--gallery", str(folder), "--json")
    assert status == 1
    objects = lines(out)
    assert [(item["person"], Path(item["file"]).name, item["reason"]) for item in objects[:-1]] == [
        ("Nobody", "broken.jpg", "not_an_image"),
        ("Nobody", "gradient.jpg", "no_face"),
        ("Pair", "pair.jpg", "several_faces"),
        ("", "loose.jpg", "not_in_person_folder"),
    ]
    assert objects[-1]["code"] == "gallery_empty"
    assert "has no usable face" in objects[-1]["detail"]
    status, out, err = run("scan", str(photo), "--gallery", str(folder))
    assert status == 1
    assert out == ""
    assert f"warning: gallery photo {folder / 'loose.jpg'} skipped: photos belong in a" in err
    assert "(Nobody) skipped: The data is not a JPEG or PNG image" in err
    assert err.splitlines()[-1].startswith("openeye scan: error: The gallery")


def test_sources_that_cannot_be_read(known_only: Path, tmp_path: Path) -> None:
    """A missing file, a video that is none, a video without frames and a broken photo fail."""
    status, _out, err = run("scan", str(tmp_path / "missing.mp4"), "--gallery", str(known_only))
    assert status == 1
    assert f"The source {tmp_path / 'missing.mp4'} does not exist" in err
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"\x00" * 1000)
    for extra in ((), ("--realtime",)):
        status, out, err = run("scan", str(fake), "--gallery", str(known_only), "--json", *extra)
        assert status == 1
        assert lines(out)[-1] == {
            "type": "error",
            "code": "source_unavailable",
            "detail": (
                f"the video file {fake} could not be opened: "
                "the source is not a video OpenEye can read"
            ),
        }
    empty = tmp_path / "empty.avi"
    write_video(empty, [], 10.0)
    status, _out, err = run("scan", str(empty), "--gallery", str(known_only))
    assert status == 1
    assert f"the video file {empty} has no frame that can be read" in err
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(one_face_jpeg()[:200])
    status, out, _err = run("scan", f"file://{broken}", "--gallery", str(known_only), "--json")
    assert status == 1
    error = lines(out)[-1]
    assert error["code"] == "source_unavailable"
    assert error["detail"].startswith(f"The photo {broken}: The data is not a JPEG or PNG")


def test_bad_arguments_and_a_missing_engine(
    known_only: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Out-of-range values exit with status 2; without dlib's models the scan fails clearly."""
    photo = tmp_path / "head.jpg"
    photo.write_bytes(one_face_jpeg())
    for bad in (("--tolerance", "0"), ("--tolerance", "1.3"), ("--detection-scale", "-1")):
        with pytest.raises(SystemExit) as exit_info:
            run("scan", str(photo), "--gallery", str(known_only), *bad)
        assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        run("scan", str(photo))
    assert exit_info.value.code == 2
    # The real engine is loaded, from a models package that is not installed.
    monkeypatch.setattr(cli, "FaceEngine", FaceEngine)
    monkeypatch.setattr(
        "custom_components.openeye.pipeline.engine.MODELS_PACKAGES", (("openeye_none", "models"),)
    )
    status, out, err = run("scan", str(photo), "--gallery", str(known_only), "--json")
    assert status == 1
    assert lines(out)[-1]["code"] == "engine_unavailable"
    assert "not installed" in err


def test_scan_video_as_a_function_skips_the_frames_not_due(tmp_path: Path) -> None:
    """At 30 fps a third of the frames are analysed; the scan closes at the last frame read."""
    video = tmp_path / "fast.mp4"
    write_face_video(str(video), frames=30, fps=30.0, absent_frames=30)
    results: list[object] = []
    summary = scan_video(
        str(video), shared_engine(), astronaut_gallery(), AnalysisSettings(), results.append
    )
    assert summary.mode == "file"
    assert summary.frames_read == 60
    # Ten motion checks a second over two seconds of video.
    assert 18 <= summary.frames_analysed <= 21
    assert summary.people_seen == ["Eileen Collins"]
    recognised = [result for result in results if isinstance(result, FaceRecognized)]
    assert [result.person_id for result in recognised] == ["eileen"]
    # The last figures are dated at the last frame read (59/30 s), which was not analysed.
    figures = [result for result in results if isinstance(result, Figures)]
    assert figures[-1].pts == pytest.approx(59 / 30, abs=0.002)
    assert sum(item.frames_read for item in figures) == 60
    assert sum(item.frames_analysed for item in figures) == summary.frames_analysed


def test_ctrl_c_ends_a_live_scan_with_its_summary(face_video: Path) -> None:
    """Interrupted right after her face appears, a live scan still names her and sums up."""
    results: list[object] = []

    def interrupt_at_the_first_face(result: object) -> None:
        results.append(result)
        if isinstance(result, FaceDetected):
            raise KeyboardInterrupt

    summary = scan_live(
        str(face_video),
        shared_engine(),
        astronaut_gallery(),
        AnalysisSettings(),
        interrupt_at_the_first_face,
    )
    assert [type(result) for result in results[-4:]] == [
        FaceRecognized,
        FaceLost,
        MotionEnded,
        Figures,
    ]
    recognised = results[-4]
    assert isinstance(recognised, FaceRecognized)
    assert recognised.person_name == "Eileen Collins"
    assert summary.mode == "realtime"
    assert summary.people_seen == ["Eileen Collins"]
    # Stopped long before the end of the six-second video.
    assert summary.frames_read < FACE_FRAMES
    assert summary.wall_seconds < 3


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
    gallery: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Where the packages are imported already, bootstrap runs the module without stubbing them."""
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


def test_in_a_fresh_process_without_home_assistant(gallery: Path, tmp_path: Path) -> None:
    """Started through bootstrap.py, the command names her in a photo without Home Assistant."""
    photo = tmp_path / "head.jpg"
    photo.write_bytes(one_face_jpeg())
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
    assert summary["people_seen"] == [GALLERY_PERSON]
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in completed.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "custom_components.openeye.pipeline.cli" in imported
    assert not {name for name in imported if name.split(".")[0] == "homeassistant"}
