"""Dates and numbers in Bahasa Indonesia (reference/indonesia.md R16–R17)."""

import datetime as dt

from django import forms
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format


class _When(forms.Form):
    at = forms.DateTimeField()
    day = forms.DateField()


def test_day_first_datetime_input_is_5_february() -> None:
    # given: the input that Django's own id locale reads as 2 May (the regression of R17)
    with translation.override("id"):
        form = _When({"at": "05/02/2025 14.30", "day": "05/02/2025"})
        # when
        assert form.is_valid(), form.errors
    # then
    assert form.cleaned_data["at"].date() == dt.date(2025, 2, 5)
    assert form.cleaned_data["at"].hour == 14
    assert form.cleaned_data["at"].minute == 30
    assert form.cleaned_data["day"] == dt.date(2025, 2, 5)


def test_day_first_input_that_is_invalid_as_day_month_is_refused() -> None:
    # 02/25/2025 would be 25 February month-first; day-first it is invalid and must not be guessed
    with translation.override("id"):
        form = _When({"at": "02/25/2025 10.00", "day": "02/25/2025"})
        assert not form.is_valid()


def test_document_date_format_in_indonesian() -> None:
    with translation.override("id"):
        assert date_format(dt.date(2025, 1, 31)) == "31 Januari 2025"
        assert date_format(dt.date(2025, 1, 31), "SHORT_DATE_FORMAT") == "31/01/2025"
        assert date_format(dt.time(14, 30), "TIME_FORMAT") == "14.30"


def test_document_date_format_in_english_stays_day_first() -> None:
    with translation.override("en"):
        assert date_format(dt.date(2025, 1, 31)) == "31 January 2025"
        assert date_format(dt.date(2025, 1, 31), "SHORT_DATE_FORMAT") == "31/01/2025"


def test_rupiah_filter_in_templates() -> None:
    html = Template("{% load relasi %}{{ v|rupiah }}").render(Context({"v": "19800000"}))
    assert html == "Rp19.800.000"
