"""The command line on real media: JSON lines, the readable log, the summary and error exits."""

from __future__ import annotations

import importlib
import io
import json
from pathlib import Path
import runpy
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from custom_components.openeye.pipeline import cli
from custom_components.openeye.pipeline.cli import (
    GalleryWarning,
    Output,
    main,
    scan_live,
    scan_video,
)
from custom_components.openeye.pipeline.messages import (
    CameraResult,
    FaceDetected,
    FaceRecognized,
    ImageAnalysis,
    UnknownFace,
    WorkerReady,
)
from custom_components.openeye.pipeline.settings import AnalysisSettings
from tests.faces import encode
from tests.media import media
from tests.pipeline.mjpeg_server import MjpegServer, jpeg
from tests.pipeline.real_faces import (
    ALEX,
    CLIP,
    LIN,
    clip_frames,
    reference_gallery,
    shared_engine,
)
from tests.video_files import write_video

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal, so that the progress bar is drawn."""

    def isatty(self) -> bool:
        """Pretend to be a terminal."""
        return True


def link(source: Path, target: Path) -> None:
    """Make ``target`` point at a shared media file (a copy where links are not allowed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        target.symlink_to(source)
    except OSError:  # pragma: no cover - file systems without symbolic links
        shutil.copyfile(source, target)


@pytest.fixture
def gallery(tmp_path: Path) -> Path:
    """Return a gallery folder with the clip's two reference photos, one folder per person."""
    folder = tmp_path / "gallery"
    link(media(LIN), folder / "Lin-Manuel Miranda" / LIN)
    link(media(ALEX), folder / "Alex Lacamoire" / ALEX)
    return folder


def run(*argv: str, terminal: bool = False) -> tuple[int, str, str]:
    """Run the command line in this process; return its status, output and errors."""
    out = io.StringIO()
    err: io.StringIO = FakeTerminal() if terminal else io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def lines(text: str) -> list[dict[str, Any]]:
    """Return the JSON objects of the output, one per line (every line must be one)."""
    return [json.loads(line) for line in text.splitlines()]


def test_json_lines_and_summary_for_the_clip(gallery: Path) -> None:
    """Every result is a JSON line with its pts; the summary counts the work and the people."""
    status, out, err = run("scan", str(media(CLIP)), "--gallery", str(gallery), "--json")
    assert status == 0, err
    objects = lines(out)
    types = [item["type"] for item in objects]
    # His small face beside his moving hand is found before the picture counts as moving.
    assert types[:2] == ["face_detected", "motion_started"]
    assert types[-1] == "summary"
    assert types.count("face_recognized") == 2
    assert types.count("unknown_face") == 1
    assert "figures" in types
    far, recognised = (item for item in objects if item["type"] == "face_recognized")
    assert far["person_name"] == "Lin-Manuel Miranda"
    assert far["pts"] <= 0.7
    assert recognised["person_name"] == "Lin-Manuel Miranda"
    assert recognised["person_id"] == "Lin-Manuel Miranda"
    assert 2.8 <= recognised["pts"] <= 7.0
    assert "crop_jpeg" not in recognised
    unknown = next(item for item in objects if item["type"] == "unknown_face")
    assert len(unknown["encoding"]) == 128
    assert 7.2 <= unknown["pts"] <= 8.4
    assert not any(item.get("person_name") == "Alex Lacamoire" for item in objects)
    summary = objects[-1]
    assert summary["mode"] == "file"
    assert summary["frames_read"] == 275
    assert 85 <= summary["frames_analysed"] <= 93
    assert 40 <= summary["detections"] <= 47
    assert summary["cpu_seconds"] > 0
    assert summary["wall_seconds"] > 0
    assert summary["people_seen"] == ["Lin-Manuel Miranda"]
    assert summary["unknown_faces"] == 1
    figures = [item for item in objects if item["type"] == "figures"]
    assert sum(item["frames_read"] for item in figures) == 275


def test_readable_log_with_progress_bar(gallery: Path) -> None:
    """Without --json the results are sentences, with a progress bar on the terminal."""
    status, out, err = run(
        "scan",
        str(media(CLIP)),
        "--gallery",
        str(gallery),
        "--duration",
        "4",
        "--crops",
        terminal=True,
    )
    assert status == 0, err
    assert "motion started" in out
    assert "face 1 detected at top" in out
    assert "face 1 recognised: Lin-Manuel Miranda (distance 0." in out
    assert "face 1 (Lin-Manuel Miranda) lost after" in out
    assert "figures:" in out
    assert out.splitlines()[-1].startswith("Done: ")
    assert "People seen: Lin-Manuel Miranda; unknown faces: 0." in out
    assert "[###" in err
    assert "frames" in err


def test_json_crops_are_kept_on_request(gallery: Path) -> None:
    """With --crops the face crops come along as base64 JPEG."""
    status, out, _err = run(
        "scan",
        str(media(CLIP)),
        "--gallery",
        str(gallery),
        "--json",
        "--crops",
        "--duration",
        "3.5",
    )
    assert status == 0
    recognised = next(item for item in lines(out) if item["type"] == "face_recognized")
    assert recognised["crop_jpeg"].startswith("/9j/")  # base64 of a JPEG's first bytes


def test_scan_video_as_a_function() -> None:
    """The non-realtime path is a function that the benchmark calls; results come back."""
    results: list[object] = []
    summary = scan_video(
        str(media(CLIP)),
        shared_engine(),
        reference_gallery(),
        AnalysisSettings(),
        results.append,
        duration=3.5,
    )
    assert summary.people_seen == ["Lin-Manuel Miranda"]
    assert 100 <= summary.frames_read <= 110
    assert any(isinstance(result, FaceRecognized) for result in results)


def test_realtime_file(gallery: Path) -> None:
    """--realtime reads the file at its frame rate and still recognises the face."""
    status, out, err = run(
        "scan",
        str(media(CLIP)),
        "--gallery",
        str(gallery),
        "--json",
        "--realtime",
        "--duration",
        "3.6",
    )
    assert status == 0, err
    objects = lines(out)
    statuses = [item["status"] for item in objects if item["type"] == "source_status"]
    assert statuses[:2] == ["connecting", "streaming"]
    # Far (frames ~1-20) and close (from frame ~88): both him, nobody else.
    assert [item["person_name"] for item in objects if item["type"] == "face_recognized"] == [
        "Lin-Manuel Miranda",
        "Lin-Manuel Miranda",
    ]
    summary = objects[-1]
    assert summary["mode"] == "realtime"
    # Read at its own pace: 3.6 seconds of video take about as long.
    assert summary["wall_seconds"] >= 3.0


def test_realtime_file_to_its_end(gallery: Path, tmp_path: Path) -> None:
    """A short file read in real time ends by itself, with the progress bar at 100 %."""
    short = tmp_path / "short.avi"
    write_video(short, (np.full((240, 320, 3), 10 * index, np.uint8) for index in range(15)), 30.0)
    status, out, err = run(
        "scan", str(short), "--gallery", str(gallery), "--realtime", terminal=True
    )
    assert status == 0, err
    assert "source ended: the file has ended" in out
    assert "Done: 15 frames read" in out
    assert "100%" in err


@pytest.fixture
def clip_camera(socket_enabled: None) -> Iterator[MjpegServer]:
    """Serve frames 85-130 of the clip (Lin-Manuel Miranda) as an MJPEG camera."""
    frames = [jpeg(f.rgb) for f in clip_frames()[84:130]]
    with MjpegServer(frames, fps=15) as camera:
        yield camera


def test_stream_url(gallery: Path, clip_camera: MjpegServer) -> None:
    """A stream is read live until the duration is over, and the face is recognised."""
    status, out, err = run(
        "scan", clip_camera.url, "--gallery", str(gallery), "--json", "--duration", "2.5"
    )
    assert status == 0, err
    objects = lines(out)
    assert [item["person_name"] for item in objects if item["type"] == "face_recognized"] == [
        "Lin-Manuel Miranda"
    ]
    assert objects[-1]["mode"] == "stream"
    assert objects[-1]["frames_read"] >= 20


def test_unreachable_stream_fails_clearly(gallery: Path, socket_enabled: None) -> None:
    """A stream nobody serves ends the scan with a clear error instead of retrying forever."""
    with MjpegServer([b"unused"]) as camera:
        url = camera.url
    status, out, err = run("scan", url, "--gallery", str(gallery), "--json")
    assert status == 1
    error = lines(out)[-1]
    assert error["type"] == "error"
    assert error["code"] == "source_unavailable"
    assert url in error["detail"]
    assert "error:" in err


def test_photo(gallery: Path) -> None:
    """A photo goes through the still-image analysis: every face, and a summary."""
    status, out, err = run(
        "scan", str(media("two_people.jpg")), "--gallery", str(gallery), "--json"
    )
    assert status == 0, err
    analysis, summary = lines(out)
    assert analysis["type"] == "image_analysis"
    assert len(analysis["faces"]) == 2
    assert all("crop_jpeg" not in face for face in analysis["faces"])
    assert all(face["person_id"] is None for face in analysis["faces"])
    assert summary["mode"] == "image"
    assert summary["people_seen"] == []
    assert summary["unknown_faces"] == 2


def test_photo_readable(gallery: Path) -> None:
    """The readable form names a known face in a photo."""
    status, out, _err = run("scan", str(media(LIN)), "--gallery", str(gallery))
    assert status == 0
    assert "1 face(s)" in out
    assert ": Lin-Manuel Miranda (distance 0.00, confidence 100%)" in out
    assert "People seen: Lin-Manuel Miranda" in out
    status, out, _err = run("scan", str(media("obama.jpg")), "--gallery", str(gallery))
    assert "nobody known within the tolerance" in out


def test_missing_gallery(tmp_path: Path) -> None:
    """A gallery folder that does not exist is a clear error."""
    status, out, err = run("scan", str(media(LIN)), "--gallery", str(tmp_path / "nope"), "--json")
    assert status == 1
    assert lines(out) == [
        {
            "type": "error",
            "code": "gallery_missing",
            "detail": f"The gallery folder {tmp_path / 'nope'} does not exist",
        }
    ]
    assert "does not exist" in err


def test_gallery_without_usable_faces(tmp_path: Path) -> None:
    """Photos without a face, with several faces or not images are reported, then the error."""
    folder = tmp_path / "gallery"
    (folder / "Nobody").mkdir(parents=True)
    (folder / "Nobody" / "grey.png").write_bytes(
        encode(np.full((200, 200, 3), 128, np.uint8), ".png")
    )
    (folder / "Nobody" / "broken.jpg").write_bytes(b"not a jpeg")
    (folder / "Nobody" / "notes.txt").write_text("ignored: not a photo")
    (folder / "README.txt").write_text("ignored too")
    link(media("two_people.jpg"), folder / "Pair" / "two_people.jpg")
    link(media(LIN), folder / "loose.png")
    status, out, err = run("scan", str(media(LIN)), "--gallery", str(folder), "--json")
    assert status == 1
    objects = lines(out)
    warnings = [(item["person"], Path(item["file"]).name, item["reason"]) for item in objects[:-1]]
    assert warnings == [
        ("Nobody", "broken.jpg", "not_an_image"),
        ("Nobody", "grey.png", "no_face"),
        ("Pair", "two_people.jpg", "several_faces"),
        ("", "loose.png", "not_in_person_folder"),
    ]
    assert objects[-1]["code"] == "gallery_empty"
    # The readable form warns on the error stream.
    status, out, err = run("scan", str(media(LIN)), "--gallery", str(folder))
    assert status == 1
    assert out == ""
    assert "warning: gallery photo" in err
    assert "(Pair) skipped: 2 faces were found" in err
    assert "has no usable face" in err


def test_unopenable_sources(gallery: Path, tmp_path: Path) -> None:
    """A missing file, a video that is not one and a broken photo are clear errors."""
    status, _out, err = run("scan", str(tmp_path / "missing.mp4"), "--gallery", str(gallery))
    assert status == 1
    assert "does not exist" in err
    fake_video = tmp_path / "fake.mp4"
    fake_video.write_bytes(b"\x00" * 1000)
    status, _out, err = run("scan", str(fake_video), "--gallery", str(gallery))
    assert status == 1
    assert "could not be opened" in err
    status, _out, err = run("scan", str(fake_video), "--gallery", str(gallery), "--realtime")
    assert status == 1
    assert "not a video OpenEye can read" in err
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(media("obama.jpg").read_bytes()[:200])
    status, out, err = run("scan", str(broken), "--gallery", str(gallery), "--json")
    assert status == 1
    assert lines(out)[-1]["code"] == "source_unavailable"


def test_video_without_frames(gallery: Path, tmp_path: Path) -> None:
    """A video that opens but holds no frame is reported as unreadable."""
    empty = tmp_path / "empty.avi"
    write_video(empty, [], 30.0)
    status, _out, err = run("scan", str(empty), "--gallery", str(gallery))
    assert status == 1
    assert "has no frame that can be read" in err


def test_ctrl_c_ends_a_live_scan_with_its_summary() -> None:
    """Interrupted, a live scan still decides its open tracks and returns its figures."""
    results: list[object] = []

    def interrupt_once(result: object) -> None:
        results.append(result)
        if isinstance(result, FaceDetected) and len(results) < 10:
            raise KeyboardInterrupt

    summary = scan_live(
        str(media(CLIP)), shared_engine(), reference_gallery(), AnalysisSettings(), interrupt_once
    )
    types = [getattr(result, "type", None) for result in results]
    # Interrupted at the far face (frame ~4), maybe before motion started.
    tail = [kind for kind in types if kind != "motion_ended"]
    assert tail[-3:] == ["face_recognized", "face_lost", "figures"]
    assert summary.people_seen == ["Lin-Manuel Miranda"]
    assert summary.mode == "realtime"


def test_bad_arguments(gallery: Path) -> None:
    """Out-of-range values are refused by the parser (exit status 2)."""
    with pytest.raises(SystemExit) as exit_info:
        run("scan", str(media(LIN)), "--gallery", str(gallery), "--tolerance", "2")
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit):
        run("scan", str(media(LIN)), "--gallery", str(gallery), "--detection-scale", "0")
    with pytest.raises(SystemExit):
        run("scan", str(media(LIN)))


def test_engine_unavailable(gallery: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without dlib's models the command says so and fails."""
    monkeypatch.setattr(
        "custom_components.openeye.pipeline.engine.MODELS_PACKAGES", (("openeye_none", "models"),)
    )
    status, _out, err = run("scan", str(media(LIN)), "--gallery", str(gallery))
    assert status == 1
    assert "not installed" in err


def test_describe_covers_every_result() -> None:
    """Results without a sentence of their own are not logged; image errors are."""
    assert cli.describe(WorkerReady(pid=1)) is None
    assert cli.describe(CameraResult("scan", 0.0, 0.0)) is None
    assert cli.describe(ImageAnalysis(1, error="not_an_image", error_detail="bad")) == (
        "the image cannot be analysed: bad"
    )
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


def test_module_entry_point(gallery: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``python -m custom_components.openeye.pipeline`` runs the command line (importing: not)."""
    importlib.import_module("custom_components.openeye.pipeline.__main__")
    # runpy warns when the module it runs as __main__ is imported already.
    monkeypatch.delitem(sys.modules, "custom_components.openeye.pipeline.__main__")
    monkeypatch.setattr(sys, "argv", ["openeye", "scan", "missing.png", "--gallery", str(gallery)])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("custom_components.openeye.pipeline", run_name="__main__")
    assert exit_info.value.code == 1


def test_in_a_fresh_process_without_home_assistant(gallery: Path) -> None:
    """Started through bootstrap.py, the command runs without Home Assistant."""
    bootstrap = ROOT / "custom_components" / "openeye" / "pipeline" / "bootstrap.py"
    completed = subprocess.run(
        [
            sys.executable,
            str(bootstrap),
            "__main__",
            "scan",
            str(media(LIN)),
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
    assert summary["people_seen"] == ["Lin-Manuel Miranda"]
