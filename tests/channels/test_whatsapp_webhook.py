"""Meta's webhook endpoint: handshake, signature, store-once, answer fast; and the way from a
stored POST to a worker (one drain job per burst, its final pass, the sweep)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse

from relasi.accounts.models import User, Workspace
from relasi.channels.whatsapp import tasks, webhook
from relasi.channels.whatsapp.inbound import DRAIN_LEASE, events_claim, events_drain
from relasi.channels.whatsapp.models import WebhookEvent, WhatsAppAccount
from relasi.channels.whatsapp.tasks import whatsapp_process_event_task
from relasi.conversations.models import Message
from relasi.conversations.services import inbox_whatsapp_update
from tests.channels.test_whatsapp_inbound import make_account
from tests.channels.test_whatsapp_payloads import load

SECRET = "rahasia-app"


@pytest.fixture(autouse=True)
def _fresh_process() -> Iterator[None]:
    """Each test starts like a new web process: no cached account, no drain queued."""
    webhook.accounts_forget()
    tasks._drain_until.clear()
    yield
    webhook.accounts_forget()
    tasks._drain_until.clear()


@pytest.fixture
def account(workspace: Workspace) -> WhatsAppAccount:
    return make_account(workspace)


class Jobs:
    """The Celery jobs the code queues, kept instead of sent (no broker, no worker)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.drains: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.broker_down = False
        monkeypatch.setattr(tasks.whatsapp_events_drain_task, "apply_async", self._drain)
        monkeypatch.setattr(whatsapp_process_event_task, "apply_async", self._event)
        monkeypatch.setattr(whatsapp_process_event_task, "delay", lambda event_id: self._event((event_id,)))

    def _drain(self, args: tuple[Any, ...], **options: Any) -> None:
        if self.broker_down:
            raise ConnectionRefusedError("broker down")
        self.drains.append({"args": args, **options})

    def _event(self, args: tuple[Any, ...], **options: Any) -> None:
        self.events.append({"args": args, **options})

    def run_drain(self, index: int = 0) -> int:
        """Run a queued drain job (as the worker would) and forget it."""
        job = self.drains.pop(index)
        return int(tasks.whatsapp_events_drain_task(*job["args"]))


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> Jobs:
    return Jobs(monkeypatch)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The wall clock of ``tasks`` (drain windows), set by the test."""
    fake = Clock(1_800_000_000.0)
    monkeypatch.setattr(tasks, "time", SimpleNamespace(time=fake.time))
    return fake


def text_body(n: int) -> bytes:
    """A Meta-shaped inbound text with its own wamid and words."""
    data = load("text")
    message = data["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"] = f"wamid.BURST{n}"
    message["text"]["body"] = f"Pesan ke-{n}"
    return json.dumps(data).encode()


def url(account: WhatsAppAccount) -> str:
    return reverse("conversations:whatsapp_webhook", args=[account.inbox_id])


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(account: WhatsAppAccount, body: bytes, signature: str | None) -> Any:
    headers = {"X-Hub-Signature-256": signature} if signature is not None else {}
    return Client(enforce_csrf_checks=True).post(
        url(account), body, content_type="application/json", headers=headers
    )


def test_handshake(account: WhatsAppAccount) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "token-verifikasi", "hub.challenge": "1158201444"}
    response = Client().get(url(account), params)
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "salah", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "token-verifikasi", "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_handshake_refused(account: WhatsAppAccount, params: dict[str, str]) -> None:
    response = Client().get(url(account), params)
    assert response.status_code == 403
    assert b"1" not in response.content


def test_signed_post_is_stored_once_and_queued(
    account: WhatsAppAccount, django_capture_on_commit_callbacks: Any, jobs: Jobs
) -> None:
    # Emoji and accents: the signature is over the exact bytes Meta sent.
    data = load("reaction")
    body = json.dumps(data, ensure_ascii=False, indent=1).encode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(account, body, sign(body))
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    event = WebhookEvent.objects.get()
    assert bytes(event.body) == body
    assert event.body_sha256 == hashlib.sha256(body).hexdigest()
    assert event.account == account
    assert event.processed_at is None
    # Nothing is queued before the commit; after it, one drain of the account.
    assert len(callbacks) == 1
    assert jobs.drains == []
    callbacks[0]()
    assert [job["args"][0] for job in jobs.drains] == [account.pk]

    # Meta redelivers the same bytes: one row, not queued again.
    with django_capture_on_commit_callbacks(execute=False) as again:
        response = post(account, body, sign(body))
    assert response.status_code == 200
    assert WebhookEvent.objects.count() == 1
    assert again == []

    # The worker's drain turns it into the message.
    assert jobs.run_drain() == 1
    event.refresh_from_db()
    assert event.processed_at is not None
    wamid = data["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    assert Message.objects.get().external_id == wamid


def test_duplicate_delivery_gives_one_message(account: WhatsAppAccount) -> None:
    body = json.dumps(load("text")).encode()
    for _ in range(2):
        assert post(account, body, sign(body)).status_code == 200
    for event in WebhookEvent.objects.all():
        whatsapp_process_event_task(event.pk)
    whatsapp_process_event_task(WebhookEvent.objects.get().pk)
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256=",
        "sha1=" + "0" * 40,
        "sha256=" + "0" * 64,
        "wrong-secret",
    ],
)
def test_bad_signature_is_refused_and_nothing_stored(account: WhatsAppAccount, signature: str | None) -> None:
    body = json.dumps(load("text")).encode()
    if signature == "wrong-secret":
        signature = sign(body, "rahasia-lain")
    response = post(account, body, signature)
    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0


def test_signature_of_other_bytes_is_refused(account: WhatsAppAccount) -> None:
    body = json.dumps(load("text")).encode()
    tampered = body.replace(b"Halo", b"Hali")
    assert post(account, tampered, sign(body)).status_code == 403
    assert WebhookEvent.objects.count() == 0


def test_unknown_or_inactive_inbox_is_404(account: WhatsAppAccount) -> None:
    body = b"{}"
    response = Client().post(
        "/webhooks/whatsapp/999999/",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": sign(body)},
    )
    assert response.status_code == 404
    account.inbox.is_active = False
    account.inbox.save()
    assert post(account, body, sign(body)).status_code == 404
    assert WebhookEvent.objects.count() == 0


def test_too_large_body_is_413(account: WhatsAppAccount) -> None:
    body = b'{"x": "' + b"a" * (3 * 1024 * 1024) + b'"}'
    response = post(account, body, sign(body))
    assert response.status_code == 413
    assert WebhookEvent.objects.count() == 0


def test_secret_of_another_inbox_does_not_open_this_one(
    account: WhatsAppAccount, other_workspace: Workspace
) -> None:
    theirs = make_account(other_workspace, phone_number_id="100000000000002")
    theirs.app_secret = "rahasia-sebelah"
    theirs.save()
    body = json.dumps(load("text")).encode()
    assert post(theirs, body, sign(body, SECRET)).status_code == 403
    assert post(account, body, sign(body, "rahasia-sebelah")).status_code == 403
    assert WebhookEvent.objects.count() == 0


# The cached account ------------------------------------------------------------------------


def test_warm_post_costs_one_statement_on_postgresql(
    account: WhatsAppAccount, django_assert_max_num_queries: Any
) -> None:
    """After the first POST a process knows the account: a POST is the insert alone (which
    checks the account in the same statement), no ORM lookup per request."""
    first = text_body(1)
    assert post(account, first, sign(first)).status_code == 200
    body = text_body(2)
    limit = 1 if connection.vendor == "postgresql" else 4
    with django_assert_max_num_queries(limit):
        assert post(account, body, sign(body)).status_code == 200
    assert WebhookEvent.objects.count() == 2


def test_rotated_secret_takes_effect_at_once(account: WhatsAppAccount, owner: User) -> None:
    """The process still caches the old secret; the next POSTs follow the stored one."""
    old = text_body(1)
    assert post(account, old, sign(old)).status_code == 200
    assert webhook._accounts[account.inbox_id].app_secret == SECRET

    inbox_whatsapp_update(inbox=account.inbox, actor=owner, values={"app_secret": "rahasia-baru"})

    # Signed with the old secret: the cached copy would accept it, the insert sees the change.
    stale = text_body(2)
    assert post(account, stale, sign(stale)).status_code == 403
    # Signed with the new one: accepted at once.
    new = text_body(3)
    assert post(account, new, sign(new, "rahasia-baru")).status_code == 200
    assert webhook._accounts[account.inbox_id].app_secret == "rahasia-baru"
    assert {bytes(e.body) for e in WebhookEvent.objects.all()} == {old, new}
    # And the old secret stays refused.
    again = text_body(4)
    assert post(account, again, sign(again)).status_code == 403
    assert WebhookEvent.objects.count() == 2


def test_secret_changed_by_a_plain_save_is_followed_too(account: WhatsAppAccount) -> None:
    body = text_body(1)
    assert post(account, body, sign(body)).status_code == 200
    WhatsAppAccount.objects.filter(pk=account.pk).update(app_secret="rahasia-lain")
    stale = text_body(2)
    assert post(account, stale, sign(stale)).status_code == 403
    fresh = text_body(3)
    assert post(account, fresh, sign(fresh, "rahasia-lain")).status_code == 200
    assert WebhookEvent.objects.count() == 2


def test_deactivated_inbox_is_404_at_once(account: WhatsAppAccount) -> None:
    body = text_body(1)
    assert post(account, body, sign(body)).status_code == 200
    assert account.inbox_id in webhook._accounts
    account.inbox.is_active = False
    account.inbox.save()
    later = text_body(2)
    assert post(account, later, sign(later)).status_code == 404
    assert WebhookEvent.objects.count() == 1
    assert account.inbox_id not in webhook._accounts


def test_cached_account_of_a_deleted_inbox_is_not_used(account: WhatsAppAccount) -> None:
    body = text_body(1)
    assert post(account, body, sign(body)).status_code == 200
    inbox = account.inbox
    inbox.delete()
    later = text_body(2)
    assert post(account, later, sign(later)).status_code == 404
    assert WebhookEvent.objects.count() == 0  # the first went with its account


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_store_one_row_and_queue_once(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Meta sends the same POST twice at once to two web processes (threads here)."""
    import threading

    from django.db import connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    account = make_account(workspace)
    jobs = Jobs(monkeypatch)
    body = text_body(1)
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def send() -> None:
        try:
            barrier.wait()
            statuses.append(post(account, body, sign(body)).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 6
    assert WebhookEvent.objects.count() == 1
    assert len(jobs.drains) == 1


# From stored to processed --------------------------------------------------------------------


def _post_committed(account: WhatsAppAccount, body: bytes, capture: Any) -> None:
    """POST and run the after-commit callbacks, as a real request's commit would."""
    with capture(execute=True):
        assert post(account, body, sign(body)).status_code == 200


def test_a_burst_queues_one_drain_per_window(
    account: WhatsAppAccount, jobs: Jobs, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    for n in range(20):
        clock.now += 0.04  # 20 POSTs in 0.8 s: one window
        _post_committed(account, text_body(n), django_capture_on_commit_callbacks)
    assert len(jobs.drains) == 1
    assert jobs.drains[0]["args"] == (account.pk, pytest.approx(clock.now - 0.8 + tasks.DRAIN_WINDOW_SECONDS))
    clock.now += tasks.DRAIN_WINDOW_SECONDS
    _post_committed(account, text_body(99), django_capture_on_commit_callbacks)
    assert len(jobs.drains) == 2  # a new window, a new job

    assert jobs.run_drain() == 21  # the first job drains all, in order
    assert list(Message.objects.order_by("id").values_list("external_id", flat=True)) == [
        *(f"wamid.BURST{n}" for n in range(20)),
        "wamid.BURST99",
    ]
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()


def test_event_committed_after_the_drain_is_picked_up_by_its_final_pass(
    account: WhatsAppAccount, jobs: Jobs, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    """The race: the drain has emptied the queue, then a POST of the same window commits and
    does not queue (this process's drain covers it). The drain's final pass must take it."""
    _post_committed(account, text_body(1), django_capture_on_commit_callbacks)
    until = jobs.drains[0]["args"][1]

    clock.now += 0.2
    assert jobs.run_drain() == 1  # finishes before its window ends…
    final = jobs.drains[-1]  # …so it queued its final pass after the window (+ margin)
    assert final["args"] == (account.pk, 0.0)
    assert final["countdown"] == pytest.approx(until + tasks.DRAIN_CLOCK_MARGIN_SECONDS - clock.now)

    clock.now += 0.5  # still inside the window: this POST relies on the drain above
    _post_committed(account, text_body(2), django_capture_on_commit_callbacks)
    assert len(jobs.drains) == 1
    late = WebhookEvent.objects.get(processed_at__isnull=True)

    clock.now = until + tasks.DRAIN_CLOCK_MARGIN_SECONDS + 0.01
    assert jobs.run_drain() == 1
    late.refresh_from_db()
    assert late.processed_at is not None
    assert jobs.drains == []  # the final pass is final
    assert Message.objects.count() == 2


def test_drain_that_ends_after_its_window_does_not_come_back(
    account: WhatsAppAccount, jobs: Jobs, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    _post_committed(account, text_body(1), django_capture_on_commit_callbacks)
    clock.now += tasks.DRAIN_WINDOW_SECONDS + tasks.DRAIN_CLOCK_MARGIN_SECONDS + 1  # the worker was busy
    assert jobs.run_drain() == 1
    assert jobs.drains == []


def test_nothing_is_lost_while_the_broker_and_worker_are_down(
    account: WhatsAppAccount, jobs: Jobs, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    """Meta gets its 200 (the event is stored); the sweep queues it when things are back."""
    from datetime import timedelta

    from django.utils import timezone

    jobs.broker_down = True
    for n in range(3):
        clock.now += 0.1
        _post_committed(account, text_body(n), django_capture_on_commit_callbacks)
    assert WebhookEvent.objects.filter(processed_at__isnull=True).count() == 3
    assert jobs.drains == []
    assert tasks._drain_until == {}  # a failed enqueue does not hold the window

    jobs.broker_down = False
    # Too fresh for the sweep: a drain may still be on its way.
    assert tasks.whatsapp_events_sweep_task() == 0
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(minutes=20))
    assert tasks.whatsapp_events_sweep_task() == 3
    for job in jobs.events:
        whatsapp_process_event_task(*job["args"])
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()
    assert Message.objects.count() == 3


def test_drain_queued_while_the_worker_was_down_takes_everything_later(
    account: WhatsAppAccount, jobs: Jobs, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    for n in range(5):
        clock.now += 0.1
        _post_committed(account, text_body(n), django_capture_on_commit_callbacks)
    assert len(jobs.drains) == 1
    clock.now += 3600  # the worker comes back an hour later
    assert jobs.run_drain() == 5
    assert jobs.drains == []
    assert Message.objects.count() == 5


def test_claims_are_exclusive_and_leased(account: WhatsAppAccount) -> None:
    from django.utils import timezone

    for n in range(5):
        webhook.event_insert(account=webhook.account_cached(account.inbox_id), body=text_body(n))  # type: ignore[arg-type]
    first = events_claim(account_id=account.pk, limit=3)
    second = events_claim(account_id=account.pk, limit=3)
    assert len(first) == 3
    assert len(second) == 2
    assert sorted(first + second) == sorted(WebhookEvent.objects.values_list("pk", flat=True))
    assert first < second  # oldest first
    assert events_claim(account_id=account.pk) == []
    # A drain that died: its lease ends, the events come back.
    WebhookEvent.objects.filter(pk__in=first).update(claimed_until=timezone.now() - DRAIN_LEASE)
    assert events_claim(account_id=account.pk) == first


@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_never_take_the_same_event(workspace: Workspace) -> None:
    import threading

    from django.db import connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; SKIP LOCKED needs PostgreSQL")
    account = make_account(workspace)
    cached = webhook.account_cached(account.inbox_id)
    assert cached is not None
    for n in range(300):
        webhook.event_insert(account=cached, body=b'{"n": %d}' % n)
    barrier = threading.Barrier(3)
    claimed: list[list[int]] = [[], [], []]

    def drain(slot: int) -> None:
        try:
            barrier.wait()
            while ids := events_claim(account_id=account.pk, limit=7):
                claimed[slot].extend(ids)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    together = [pk for ids in claimed for pk in ids]
    assert len(together) == len(set(together)) == 300


def test_failed_event_is_retried_alone_and_does_not_stall_the_drain(
    account: WhatsAppAccount, jobs: Jobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    from relasi.channels.whatsapp import inbound

    cached = webhook.account_cached(account.inbox_id)
    assert cached is not None
    ids = [webhook.event_insert(account=cached, body=text_body(n)) for n in range(3)]
    real = inbound.message_receive

    def flaky(**kwargs: Any) -> Any:
        if kwargs["external_id"] == "wamid.BURST1":
            raise RuntimeError("database blip")
        return real(**kwargs)

    monkeypatch.setattr(inbound, "message_receive", flaky)
    assert events_drain(account_id=account.pk) == (2, [ids[1]])
    broken = WebhookEvent.objects.get(pk=ids[1])
    assert broken.processed_at is None
    assert broken.attempts == 1
    assert "database blip" in broken.error
    # Still leased: a drain now does not take it again, nor does the sweep.
    assert events_drain(account_id=account.pk) == (0, [])
    WebhookEvent.objects.filter(pk=broken.pk).update(received_at=broken.received_at - DRAIN_LEASE * 3)
    assert tasks.whatsapp_events_sweep_task() == 0

    # Through the job: the failed event is queued again on its own, with a delay.
    WebhookEvent.objects.filter(pk=broken.pk).update(claimed_until=None)
    jobs.drains.append({"args": (account.pk, 0.0)})
    assert jobs.run_drain() == 0
    assert [job["args"] for job in jobs.events] == [(ids[1],)]
    assert jobs.events[0]["countdown"] > 0

    monkeypatch.setattr(inbound, "message_receive", real)
    whatsapp_process_event_task(ids[1])
    broken.refresh_from_db()
    assert broken.processed_at is not None
    assert broken.attempts == 3
    assert Message.objects.count() == 3


# The connection and the lean path -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_connection_that_died_while_idle_is_replaced_and_the_post_stored(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warm POST skips Django's ``SELECT 1`` check; a connection PostgreSQL closed in
    the meantime (restart, idle timeout) costs a retry, not a 500 nor a lost event."""
    import psycopg

    if connection.vendor != "postgresql":
        pytest.skip("needs a server that can end our connection")
    account = make_account(workspace)
    jobs = Jobs(monkeypatch)
    first = text_body(1)
    assert post(account, first, sign(first)).status_code == 200
    assert connection.connection is not None
    pid = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    second = text_body(2)
    assert post(account, second, sign(second)).status_code == 200
    assert connection.connection.info.backend_pid != pid
    assert sorted(bytes(e.body) for e in WebhookEvent.objects.all()) == sorted([first, second])
    assert len(jobs.drains) == 1  # one window: the second POST relies on the first job


def _wsgi(app: Any, method: str, path: str, body: bytes = b"", **headers: str) -> tuple[str, bytes]:
    """Call a WSGI application as gunicorn would (``path`` may carry a query string)."""
    import io
    from wsgiref.util import setup_testing_defaults

    path, _, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        "HTTP_HOST": "testserver",
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    setup_testing_defaults(environ)
    answer: list[str] = []
    # As Django's test client does: the test's transaction must outlive the "request".
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        chunks = app(environ, lambda status, _headers, *exc: answer.append(status))
        try:
            content = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer[0], content


def test_lean_path_serves_the_webhook_and_passes_the_rest_on(
    account: WhatsAppAccount, django_capture_on_commit_callbacks: Any
) -> None:
    from relasi.channels.whatsapp.wsgi import webhook_lean_path

    others: list[str] = []

    def site(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        others.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"site"]

    app = webhook_lean_path(site)
    path = f"/webhooks/whatsapp/{account.inbox_id}/"
    body = text_body(1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        status, content = _wsgi(app, "POST", path, body, X_HUB_SIGNATURE_256=sign(body))
    assert (status, json.loads(content)) == ("200 OK", {"ok": True})
    assert bytes(WebhookEvent.objects.get().body) == body
    assert len(callbacks) == 1
    status, _ = _wsgi(app, "POST", path, body, X_HUB_SIGNATURE_256=sign(body, "salah"))
    assert status.startswith("403")
    status, content = _wsgi(app, "POST", "/webhooks/whatsapp/999999/", body, X_HUB_SIGNATURE_256=sign(body))
    assert status.startswith("404")
    assert json.loads(content) == {"ok": False}
    params = "hub.mode=subscribe&hub.verify_token=token-verifikasi&hub.challenge=42"
    assert _wsgi(app, "GET", f"{path}?{params}") == ("200 OK", b"42")
    # A host outside ALLOWED_HOSTS is refused as on every other page.
    status, _ = _wsgi(
        app, "POST", path, text_body(2), X_HUB_SIGNATURE_256=sign(text_body(2)), HOST="evil.test"
    )
    assert status.startswith("400")
    assert WebhookEvent.objects.count() == 1
    # Everything else goes to the site.
    assert _wsgi(app, "GET", "/w/hero/percakapan/") == ("200 OK", b"site")
    assert others == ["/w/hero/percakapan/"]
