"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium) against Django's
live server, with a real Celery worker thread for background jobs.

When Chromium is missing the tests are skipped with a loud reason (`make test` installs it
when it runs as root)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections

CHROMIUM = os.environ.get("RELASI_CHROMIUM", "/usr/bin/chromium")

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# there are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip(f"!! BROWSER TESTS SKIPPED: {CHROMIUM} not found (apt-get install chromium) !!")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def celery_worker_thread(transactional_db: None) -> Iterator[Any]:
    """A real Celery worker (solo pool) in a thread, on the test broker."""
    from celery.contrib.testing.worker import start_worker

    from relasi.config.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


@pytest.fixture
def asgi_server(transactional_db: None) -> Iterator[str]:
    """uvicorn serving the ASGI application in a thread; yields its ``ws://localhost:<port>``.

    The websocket's database work runs in asgiref's single sync thread. With SQLite the test
    database lives in memory, so that thread is given the test's connection (as the live server
    thread is); with PostgreSQL it opens its own, closed at the end."""
    import uvicorn
    from asgiref.sync import SyncToAsync

    from relasi.config.asgi import application

    shared: dict[str, Any] = {}
    for conn in connections.all():
        if conn.vendor == "sqlite" and conn.is_in_memory_db():
            conn.inc_thread_sharing()
            shared[conn.alias] = conn

    def share() -> None:
        for alias, conn in shared.items():
            connections[alias] = conn

    def unshare() -> None:
        for alias in shared:
            del connections[alias]
        connections.close_all()

    SyncToAsync.single_thread_executor.submit(share).result()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(application, lifespan="off", log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield f"ws://localhost:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        SyncToAsync.single_thread_executor.submit(unshare).result()
        for conn in shared.values():
            conn.dec_thread_sharing()
