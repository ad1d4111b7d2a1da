"""CDNOW through the database: the 6,919 purchases of the CDNOW sample stored as purchases,
aggregated by our SQL and summarised by our maths, must give the published summary
(reference/analytics.md §1.2 — repeat purchases counted by day: 2,457 repeats, 946 repeat
buyers, T up to 38.86 weeks; counting by week would give the wrong 2,248), and the refresh
must fit the published BG/NBD and Gamma-Gamma parameters on it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from relasi.accounts.models import Workspace
from relasi.analytics.aggregates import purchase_aggregates
from relasi.analytics.enums import PurchaseSource, RunStatus
from relasi.analytics.metrics.rfm import rfm_summary
from relasi.analytics.models import CustomerMetrics, Purchase
from relasi.analytics.purchases import purchases_add
from relasi.analytics.refresh import metrics_refresh
from relasi.contacts.models import Contact
from tests.analytics.cdnow import cdnow_sample_transactions, cdnow_summary

CALIBRATION_END = dt.date(1997, 9, 30)


@pytest.fixture
def cdnow_contacts(workspace: Workspace) -> dict[int, int]:
    """The CDNOW customers as contacts and their purchases; returns CDNOW id → contact id."""
    data = cdnow_sample_transactions()
    ids = sorted(set(data.customer_id.tolist()))
    contacts = Contact.objects.bulk_create(
        [Contact(workspace=workspace, full_name=f"CDNOW {cdnow_id:04d}") for cdnow_id in ids]
    )
    mapping = {cdnow_id: contact.pk for cdnow_id, contact in zip(ids, contacts, strict=True)}
    purchases_add(
        workspace=workspace,
        purchases=[
            Purchase(
                workspace=workspace,
                contact_id=mapping[int(customer)],
                purchased_on=day,
                amount=Decimal(str(amount)),
                source=PurchaseSource.IMPORT,
                source_ref=str(line),
            )
            for line, (customer, day, amount) in enumerate(
                zip(data.customer_id.tolist(), data.date, data.amount.tolist(), strict=True)
            )
        ],
    )
    return mapping


@pytest.mark.django_db
def test_sql_summary_matches_the_published_cdnow_summary(
    workspace: Workspace, cdnow_contacts: dict[int, int]
) -> None:
    bought = purchase_aggregates(workspace=workspace, as_of=CALIBRATION_END)
    summary = rfm_summary(
        first_day=-bought.days_since_first,
        last_day=-bought.days_since_last,
        as_of_day=0,
        purchase_days=bought.purchase_days,
        orders=bought.orders,
        total_spend=bought.total_cents / 100,
        first_day_spend=bought.first_day_cents / 100,
    )
    published = cdnow_summary()
    order = np.argsort(published.id)
    contact_ids = np.array([cdnow_contacts[int(i)] for i in published.id[order]])
    assert np.array_equal(bought.contact_id, np.sort(contact_ids))  # every customer, once
    at = np.searchsorted(bought.contact_id, contact_ids)
    assert int(summary.frequency.sum()) == 2457
    assert int((summary.frequency > 0).sum()) == 946
    assert round(summary.T.max() / 7, 2) == 38.86
    assert np.array_equal(summary.frequency[at], published.x[order].astype(np.int64))
    assert np.allclose(np.round(summary.recency[at] / 7, 2), published.t_x[order], atol=0.0051)
    assert np.allclose(np.round(summary.T[at] / 7, 2), published.T[order], atol=0.0051)
    assert np.allclose(summary.monetary_repeat[at], published.zbar[order], atol=0.0051)


@pytest.mark.django_db
def test_refresh_fits_the_published_parameters(workspace: Workspace, cdnow_contacts: dict[int, int]) -> None:
    """Fitted in days, α is in days too: α(weeks) = α(days) / 7. The published values are
    (r, α, a, b) = (0.243, 4.414, 0.793, 2.426) and (p, q, γ) = (6.25, 3.74, 15.44)."""
    run = metrics_refresh(workspace=workspace, as_of=CALIBRATION_END)
    assert run.status == RunStatus.DONE, run.error
    assert run.customers == 2357
    fit = run.bgnbd
    assert float(f"{fit['r']:.3g}") == 0.243
    assert float(f"{fit['alpha'] / 7:.4g}") == 4.414 or abs(fit["alpha"] / 7 - 4.414) < 0.005
    assert float(f"{fit['a']:.3g}") == 0.793
    assert float(f"{fit['b']:.3g}") == 2.43
    spend = run.gamma_gamma
    assert float(f"{spend['p']:.3g}") == 6.25
    assert float(f"{spend['q']:.3g}") == 3.74
    assert float(f"{spend['gamma']:.4g}") == pytest.approx(15.44, abs=0.01)
    # Every repeat buyer has P(alive) in (0, 1]; one-time buyers are 1 by the model.
    alive = CustomerMetrics.objects.filter(workspace=workspace, frequency__gt=0).values_list(
        "p_alive", flat=True
    )
    assert all(0 < p <= 1 for p in alive)
    first = CustomerMetrics.objects.get(contact_id=cdnow_contacts[1])
    # Customer 1 of the published summary: x = 2, tₓ = 30.43 weeks, T = 38.86 weeks.
    assert (first.frequency, round(first.recency_days / 7, 2), round(first.tenure_days / 7, 2)) == (
        2,
        30.43,
        38.86,
    )
