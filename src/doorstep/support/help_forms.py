from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.support.models import HelpArticle, SurveyInvitation


class HelpArticleForm(forms.ModelForm):
    """An article as ops write it. Markdown: # headings, - lists, **bold**,
    [links](…); HTML is shown as typed, never run."""

    reason = forms.CharField(
        label=_("Note for the audit trail"),
        required=False,
        max_length=500,
        help_text=_("What changed and why, for your colleagues. Not shown to users."),
    )

    class Meta:
        model = HelpArticle
        fields = [
            "slug",
            "section",
            "audience",
            "position",
            "title_en",
            "body_en",
            "title_zh_hans",
            "body_zh_hans",
            "title_zh_hant",
            "body_zh_hant",
        ]
        widgets = {
            "body_en": forms.Textarea(attrs={"rows": 12}),
            "body_zh_hans": forms.Textarea(attrs={"rows": 12}),
            "body_zh_hant": forms.Textarea(attrs={"rows": 12}),
        }
        help_texts = {
            "slug": _("The article's address: /help/<address>/. Letters, digits, -."),
        }

    def validate_unique(self) -> None:
        # The service says whether the address is taken (in its transaction).
        pass


class NewHelpArticleForm(HelpArticleForm):
    publish = forms.BooleanField(
        label=_("Publish it now"),
        required=False,
        help_text=_("Otherwise it is kept as a draft only ops see."),
    )


def _choices(low: int, high: int) -> list[tuple[str, str]]:
    return [(str(n), str(n)) for n in range(low, high + 1)]


class SurveyForm(forms.Form):
    csat = forms.ChoiceField(
        label=_("How satisfied are you with the job? (1 = not at all, 5 = very)"),
        choices=_choices(1, 5),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how satisfied you are, from 1 to 5.")},
    )
    nps = forms.ChoiceField(
        label=_(
            "How likely are you to recommend us to a friend? "
            "(0 = not at all, 10 = extremely)"
        ),
        choices=_choices(0, 10),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how likely you are to recommend us.")},
    )
    comment = forms.CharField(
        label=_("Anything you want to tell us?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, invitation: SurveyInvitation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not invitation.asks_nps:
            del self.fields["nps"]
