from django import forms

from doorstep.notifications.models import Channel
from doorstep.notifications.preferences import PreferenceRow


def field_name(kind: str, channel: str) -> str:
    return f"{kind}__{channel}"


class PreferencesForm(forms.Form):
    """One checkbox per kind and offered channel; in-app is shown, not a field
    (it cannot be turned off)."""

    def __init__(self, *args, grid: list[PreferenceRow], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.grid = grid
        for row in grid:
            for channel, value in ((Channel.EMAIL, row.email), (Channel.SMS, row.sms)):
                if value is None:
                    continue
                self.fields[field_name(row.kind, channel)] = forms.BooleanField(
                    required=False,
                    initial=value,
                    label=f"{row.label}: {channel.label}",
                )

    def choices(self) -> dict[tuple[str, str], bool]:
        choices = {}
        for name, value in self.cleaned_data.items():
            kind, channel = name.split("__")
            choices[(kind, channel)] = bool(value)
        return choices

    def rows(self) -> list[dict[str, object]]:
        """The grid for the template: per kind, its bound field per channel."""
        rows = []
        for row in self.grid:
            cells = {}
            for channel in Channel:
                name = field_name(row.kind, channel)
                cells[channel.value] = self[name] if name in self.fields else None
            rows.append({"kind": row.kind, "label": row.label, **cells})
        return rows
