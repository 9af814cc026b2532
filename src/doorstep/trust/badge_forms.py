from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.trust.check_models import TopProviderRules


class ConsentForm(forms.Form):
    legal_name = forms.CharField(
        label=_("Your full legal name"),
        max_length=150,
        help_text=_("First and last name, exactly as on your ID."),
    )
    agreed = forms.BooleanField(
        label=_("I have read the text above and consent to the background check."),
        required=False,
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class TopProviderRulesForm(forms.ModelForm):
    class Meta:
        model = TopProviderRules
        fields = [
            "min_rating",
            "min_reviews",
            "min_completed_jobs",
            "max_median_response_minutes",
            "max_cancellation_bps",
            "window_days",
        ]
