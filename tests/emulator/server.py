#!/usr/bin/env python3
"""endpoint-scale's local AWS emulator: moto's own server app (one process, every service on one
URL) with a WSGI middleware in front and patches to moto's SageMaker and Application Auto
Scaling backends. See README.md next to this file. Start it with scripts/emulator.

usage: server.py --state-dir DIR [--host 127.0.0.1] [--port 0] [--exit-with PID]
                 [--latency-ms MS] [--rate-limit RATE[/BURST]]
Writes DIR/pid at start and DIR/url (atomically) once it accepts connections.

--latency-ms (env ENDPOINT_SCALE_EMULATOR_LATENCY_MS) and --rate-limit (env
ENDPOINT_SCALE_EMULATOR_RATE_LIMIT) are the server-wide defaults every account starts with; the
control API changes them at run time (/_emulator/latency, /_emulator/rate-limit).
"""

import argparse
import logging
import os
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
if HERE not in sys.path:
    sys.path.insert(0, HERE)


def _write_atomic(path: str, text: str) -> None:
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _cleanup(state_dir: str) -> None:
    """Remove DIR/url and DIR/pid if they still describe this process."""
    pid_file = os.path.join(state_dir, "pid")
    try:
        with open(pid_file) as f:
            recorded = f.read().strip()
    except OSError:
        recorded = None
    if recorded in (None, "", str(os.getpid())):
        for name in ("url", "pid"):
            try:
                os.remove(os.path.join(state_dir, name))
            except OSError:
                pass


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); treat it as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--exit-with", type=int, default=None, metavar="PID",
                    help="exit when process PID is gone (polled every 0.5 s)")
    ap.add_argument("--latency-ms", default=os.environ.get("ENDPOINT_SCALE_EMULATOR_LATENCY_MS") or "0",
                    help="added to every AWS call (default 0; env ENDPOINT_SCALE_EMULATOR_LATENCY_MS)")
    ap.add_argument("--rate-limit", default=os.environ.get("ENDPOINT_SCALE_EMULATOR_RATE_LIMIT") or None,
                    metavar="RATE[/BURST]",
                    help="account-wide token bucket: calls per second and burst (default: none; "
                         "env ENDPOINT_SCALE_EMULATOR_RATE_LIMIT)")
    args = ap.parse_args()

    import emulator_state

    try:
        emulator_state.set_network_defaults(latency_ms=emulator_state.parse_latency_ms(args.latency_ms),
                                            rate_limit=emulator_state.parse_rate_limit(args.rate_limit))
    except ValueError as exc:
        ap.error(str(exc))

    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    # These would override the per-request account mapping or the region handling.
    os.environ.pop("MOTO_ACCOUNT_ID", None)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    started = time.monotonic()

    _write_atomic(os.path.join(state_dir, "pid"), f"{os.getpid()}\n")

    from werkzeug.serving import make_server

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    import patches
    from middleware import EmulatorMiddleware

    patches.apply()

    class Handler(MotoRequestHandler):
        def make_environ(self):  # type: ignore[override]
            environ = super().make_environ()
            environ["emulator.handler"] = self  # lets a "drop" fault close the socket
            return environ

    moto_app = DomainDispatcherApplication(create_backend_app)
    app = EmulatorMiddleware(moto_app, os.getpid())
    server = make_server(args.host, args.port, app, threaded=True, request_handler=Handler)
    port = server.server_port
    url = f"http://{args.host}:{port}"

    def stop(*_: object) -> None:
        _cleanup(state_dir)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if args.exit_with is not None:
        def watch() -> None:
            while _pid_alive(args.exit_with):
                time.sleep(0.5)
            logging.getLogger("emulator").info("process %s is gone: exiting", args.exit_with)
            stop()

        threading.Thread(target=watch, name="exit-with", daemon=True).start()

    def warm() -> None:
        # Build moto's per-service Flask apps now rather than on the first request.
        for host in ("api.sagemaker.us-east-1.amazonaws.com",
                     "application-autoscaling.us-east-1.amazonaws.com"):
            try:
                with moto_app.lock:
                    backend = moto_app.get_backend_for_host(host)
                    if backend and backend not in moto_app.app_instances:
                        moto_app.app_instances[backend] = moto_app.create_app(backend)
            except Exception:
                logging.getLogger("emulator").exception("warm-up of %s failed", host)

    threading.Thread(target=warm, name="warm-up", daemon=True).start()

    # The socket is bound and listening: connections queue until serve_forever picks them up.
    _write_atomic(os.path.join(state_dir, "url"), url + "\n")
    logging.getLogger("emulator").info(
        "listening on %s (pid %s, ready after %.2fs); network defaults %s",
        url, os.getpid(), time.monotonic() - started, emulator_state.network_defaults())
    try:
        server.serve_forever()
    finally:
        _cleanup(state_dir)


if __name__ == "__main__":
    main()
