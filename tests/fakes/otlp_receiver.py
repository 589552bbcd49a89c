"""An OTLP/HTTP trace receiver on loopback: what an OpenTelemetry Collector, Jaeger or Tempo would
take. It decodes each POST /v1/traces body with the protocol's own protobuf classes
(ExportTraceServiceRequest) and keeps the spans, flattened, for a test to read."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}


def value_of(v: AnyValue) -> Any:
    kind = v.WhichOneof("value")
    if kind == "array_value":
        return [value_of(x) for x in v.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: value_of(kv.value) for kv in v.kvlist_value.values}
    return getattr(v, kind) if kind else None


@dataclass
class Span:
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    kind: str
    service: str
    scope: str
    attributes: dict[str, Any]
    links: list[tuple[str, str]]  # (trace_id, span_id)
    status_code: int
    start_ns: int
    end_ns: int


@dataclass
class Receiver:
    port: int = 0
    spans: list[Span] = field(default_factory=list)
    bodies: int = 0
    received: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def take(self, body: bytes, keep: bool = True) -> None:
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        spans: list[Span] = []
        for rs in request.resource_spans:
            resource = {kv.key: value_of(kv.value) for kv in rs.resource.attributes}
            for ss in rs.scope_spans:
                for s in ss.spans:
                    spans.append(Span(
                        s.name, s.trace_id.hex(), s.span_id.hex(), s.parent_span_id.hex(), KINDS.get(s.kind, "?"),
                        str(resource.get("service.name")), ss.scope.name,
                        {kv.key: value_of(kv.value) for kv in s.attributes},
                        [(link.trace_id.hex(), link.span_id.hex()) for link in s.links],
                        s.status.code, s.start_time_unix_nano, s.end_time_unix_nano))
        with self._lock:
            self.received += len(spans)
            self.bodies += 1
            if keep:
                self.spans.extend(spans)

    def named(self, name: str) -> list[Span]:
        with self._lock:
            return [s for s in self.spans if s.name == name]

    def in_trace(self, trace_id: str) -> list[Span]:
        with self._lock:
            return [s for s in self.spans if s.trace_id == trace_id]


@contextmanager
def otlp_receiver(port: int = 0, keep: bool = True) -> Iterator[Receiver]:
    """A receiver on a loopback port (0: a free one); keep=False only counts the spans (benchmarks)."""
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != "/v1/traces" or self.headers.get("Content-Type") != "application/x-protobuf":
                self.send_response(404)
                self.end_headers()
                return
            receiver.take(body, keep)
            reply = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="otlp-receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def main() -> None:
    """`python -m tests.fakes.otlp_receiver PORT`: a receiver in a process of its own, as a collector
    would be (tests/perf/tracing.py); decodes every body, keeps nothing, says what it got at SIGTERM."""
    import signal
    import sys

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with otlp_receiver(int(sys.argv[1]), keep=False) as receiver:
        print(f"listening on {receiver.endpoint}", flush=True)
        stop.wait()
        print(f"received {receiver.received} spans in {receiver.bodies} requests", flush=True)


if __name__ == "__main__":
    main()
