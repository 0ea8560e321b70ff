"""The HTTP side: a ThreadingHTTPServer on loopback, and `Simulator`, the object tests and the CLI hold."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fmp_elt.simulator import responses
from fmp_elt.simulator.app import Answer, App
from fmp_elt.simulator.config import SimulatorConfig
from fmp_elt.simulator.faults import FaultBox, Faults
from fmp_elt.simulator.filings import FilerTraits, Filing
from fmp_elt.simulator.market_state import Market
from fmp_elt.simulator.responses import Response
from fmp_elt.simulator.stats import LoggedRequest, Stats, StatsSnapshot
from fmp_elt.simulator.universe import Dividend, Profile, Split

_CHUNK = 64 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for a request sleeping in a timeout fault

    def __init__(self, address: tuple[str, int], simulator: Simulator) -> None:
        super().__init__(address, _Handler)
        self.simulator = simulator
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def drop_open_connections(self) -> None:
        """Close the kept-alive connections too, as a server going down does: clients must reconnect."""
        with self._open_lock:
            connections, self._open = list(self._open), set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-answer (a timeout test, a killed run) are routine, not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like FMP behind nginx
    # Headers and body leave in separate writes: without this, delayed ACKs add ~40 ms to every answer.
    disable_nagle_algorithm = True
    server: _Server

    def version_string(self) -> str:
        return "nginx"

    def do_GET(self) -> None:
        self.server.simulator._serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines carry the key when a client puts it in the URL."""

    def send_answer(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        body = response.body
        if not response.chunked:
            self.wfile.write(body)
            return
        for start in range(0, len(body), _CHUNK):
            chunk = body[start : start + _CHUNK]
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def drop(self) -> None:
        """Close the connection without a byte of answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class Simulator:
    """A local FMP /stable/ API. `start()` returns its base URL; use as a context manager to stop it."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self._market = Market(self.config)
        self._fault_box = FaultBox()
        self._app = App(self.config, self._market, self._fault_box)
        self._stats = Stats()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> str:
        if self._server is None:
            self._server = _Server((self.config.host, self.config.port), self)
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fmp-simulator", daemon=True
            )
            self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop answering: the port refuses connections and open ones are closed. `start()` again serves the same
        market; set `config.port` to the old port first to come back where clients look (an outage)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.drop_open_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}/stable"

    # -- the market ------------------------------------------------------------------------------------

    @property
    def symbols(self) -> list[str]:
        return self._market.symbols

    @property
    def basic_symbols(self) -> list[str]:
        """The sample of symbols a Basic key may ask for."""
        return sorted(self._market.basic_symbols)

    def profile(self, symbol: str) -> Profile:
        return self._market._require(symbol)

    def splits(self, symbol: str) -> tuple[Split, ...]:
        return self._market.events(symbol)[0]

    def dividends(self, symbol: str) -> tuple[Dividend, ...]:
        return self._market.events(symbol)[1]

    def filer(self, symbol: str) -> FilerTraits:
        """How the company files: reported currency, 52/53-week year, restatements (filings.py)."""
        return self._market.filer(symbol)

    def filings(self, symbol: str) -> list[Filing]:
        """The fiscal periods the company has filed by 'today', oldest first."""
        return self._market.filings(symbol)

    def warm(self) -> None:
        """Generate every symbol's history now rather than on the first screener call (for benchmarks with
        thousands of symbols: a history takes a few milliseconds)."""
        self._market.warm()

    @property
    def today(self) -> date:
        return self._market.today

    def set_today(self, day: date) -> None:
        """The last day served: later bars, filings and listings are hidden until 'today' reaches them."""
        self._market.set_today(day)

    def apply_split(self, symbol: str, on: date, numerator: float = 4, denominator: float = 1) -> None:
        """A split on `on`: bars from that day trade at price / ratio (volume * ratio), as after a real split;
        the split-adjusted series divides every bar by the ratio, so it stays continuous across it."""
        self._market.apply_split(symbol, on, numerator, denominator)

    def add_dividend(
        self, symbol: str, on: date, amount: float = 0.25, in_calendar: bool = True, listed_as: float | None = None
    ) -> None:
        """An ex-dividend on `on`: dividend-adjusted bars before it are scaled by 1 - amount / prior close.
        `in_calendar=False`: dividends-calendar misses it, as FMP's market-wide lists sometimes do.
        `listed_as`: the amount `dividends` and dividends-calendar list for it, on every read (FMP's own error:
        its dividend-adjusted series still applies `amount`)."""
        self._market.add_dividend(symbol, on, amount, in_calendar, listed_as)

    def delist(self, symbol: str, on: date) -> None:
        """`symbol`'s last trading day is `on`: it leaves the screener, joins delisted-companies, and its
        history stays served up to that day."""
        self._market.delist(symbol, on)

    def set_exchange(self, symbol: str, exchange_short: str, exchange: str) -> None:
        """List `symbol` on another exchange (the screener's filter code and its long name)."""
        self._market.set_exchange(symbol, exchange_short, exchange)

    def rename(self, old: str, new: str, on: date, published: date | None = None) -> None:
        """A ticker change dated `on` (listed by symbol-change from `published`, by default `on`): the whole
        history is served under `new`, and `old` answers [] until another company lists under it (`relist`)."""
        self._market.rename(old, new, on, published)

    def swap(self, first: str, second: str, on: date) -> None:
        """Two companies exchange tickers on `on`: each whole history is served under the other ticker."""
        self._market.swap(first, second, on)

    def relist(self, symbol: str, company_name: str, on: date) -> None:
        """A new company lists under a ticker freed by a rename or a delisting, with bars from `on`."""
        self._market.relist(symbol, company_name, on)

    def load_prices(
        self,
        symbol: str,
        rows: Iterable[Mapping[str, Any]],
        splits: Sequence[Split] = (),
        dividends: Sequence[Dividend] = (),
    ) -> None:
        """Serve these split-adjusted bars for `symbol` (added to the listing if new). `splits` are the
        splits the rows already include (they only show in non-split-adjusted prices)."""
        self._market.load_prices(symbol, rows, splits, dividends)

    def add_key(self, key: str, plan: str) -> None:
        """Accept one more API key, on the given plan (basic, starter, premium or ultimate)."""
        self._app.add_key(key, plan)

    # -- faults and observation ------------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        return self._fault_box.faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        self._fault_box.faults = value

    @property
    def stats(self) -> StatsSnapshot:
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        self._stats.reset()

    @property
    def requests_log(self) -> list[LoggedRequest]:
        return self._stats.log()

    # -- serving ---------------------------------------------------------------------------------------

    def _serve(self, handler: _Handler) -> None:
        arrived = time.monotonic()
        url = urlsplit(handler.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        query_key = query.pop("apikey", None)
        header_key = handler.headers.get("apikey")
        try:
            answer = self._app.answer(url.path, query, header_key or query_key)
        except Exception:  # a bug of ours must look like FMP having a bad day, not kill the thread
            answer = Answer(responses.server_error(500), 0.0, url.path, query.get("symbol"))
        if answer.delay_s > 0:
            time.sleep(answer.delay_s)
        response = answer.response
        status = response.status if response is not None else 0
        # Recorded before answering, so a client that reads the log right after its answer sees its call.
        entry = LoggedRequest(url.path, query, status, header_key is not None, arrived)
        size = len(response.body) if response is not None else 0
        self._stats.record(entry, answer.endpoint, answer.symbol, query_key is not None, size)
        if response is None:
            handler.drop()
        else:
            handler.send_answer(response)
