"""The shapes of the legal API."""

from datetime import datetime

from ninja import Field, Schema

from doorstep.api.schemas import PublicId


class PolicyVersionOut(Schema):
    id: PublicId
    document: str = Field(description="`terms` or `privacy`.")
    version: int
    material: bool = Field(
        description="Accepting it is required (an editorial fix is not material)."
    )
    language: str = Field(description="The language of `text` and `summary`.")
    text: str = Field(description="Markdown.")
    summary: str = Field(description="What changed from the previous version.")
    published_at: datetime
    url: str = Field(description="This version's page on the website.")


class AcceptanceOut(Schema):
    document: str
    version: int
    accepted_at: datetime
    source: str


class TermsStatusOut(Schema):
    pending: list[PolicyVersionOut] = Field(
        description="Versions you must accept before writing anything."
    )
    accepted: list[AcceptanceOut]
