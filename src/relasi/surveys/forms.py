"""Forms of the survey pages: they check the shape of the input; the services check the rules
and their field errors come back onto the form (``web.forms.form_submit``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from relasi.accounts.models import User
from relasi.surveys.enums import DEFAULT_COMMENT_QUESTION, SurveyChannel, SurveyKind
from relasi.surveys.models import Survey
from relasi.surveys.services import COMMENT_MAX, NAME_MAX, NOTE_MAX, QUESTION_MAX


class SurveyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=SurveyKind.choices,
        help_text=_(
            "NPS: how likely to recommend us, 0–10. CSAT: how satisfied, 1–5. CES: how easy, "
            "1 (very difficult) to 7 (very easy)."
        ),
    )
    question = forms.CharField(
        label=_("Question"),
        max_length=QUESTION_MAX,
        required=False,
        help_text=_("Leave blank for the standard question of the kind."),
    )
    comment_question = forms.CharField(
        label=_("Follow-up question for the comment"),
        max_length=QUESTION_MAX,
        required=False,
        help_text=format_lazy("{} {}", _("Leave blank for:"), DEFAULT_COMMENT_QUESTION),
    )
    is_active = forms.BooleanField(label=_("Active (takes answers)"), required=False, initial=True)
    public_link_enabled = forms.BooleanField(
        label=_("Open public link (anyone with the link can answer)"), required=False, initial=True
    )

    def __init__(self, *args: Any, survey: Survey | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if survey is not None:
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = _("The kind cannot change once customers have answered.")
            if survey.is_inbox_csat:
                for name in ("question", "comment_question", "is_active", "public_link_enabled"):
                    self.fields[name].disabled = True

    def values(self) -> dict[str, Any]:
        """The fields that may be saved (disabled ones are left out)."""
        return {name: value for name, value in self.cleaned_data.items() if not self.fields[name].disabled}


class SendForm(forms.Form):
    survey = forms.ModelChoiceField(label=_("Survey"), queryset=Survey.objects.none())
    channel = forms.ChoiceField(
        label=_("Send by"), choices=SurveyChannel.choices, initial=SurveyChannel.WHATSAPP
    )
    agent = forms.ModelChoiceField(
        label=_("Agent (optional)"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Who the answer is about; by default the agent of the conversation."),
    )

    def __init__(self, *args: Any, surveys: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = surveys  # type: ignore[attr-defined]
        self.fields["agent"].queryset = members  # type: ignore[attr-defined]


class FollowUpForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TopicForm(forms.Form):
    label = forms.CharField(label=_("Name"), max_length=60)
    keywords = forms.CharField(
        label=_("Keywords"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Words or phrases, separated by commas, e.g. kirim, telat, lama sampai."),
    )


class AnswerForm(forms.Form):
    """The customer's answer on the public page (the scale is checked by the service)."""

    score = forms.CharField(required=False)
    comment = forms.CharField(required=False, max_length=COMMENT_MAX)


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
