"""The demo's terms of service and privacy policy: published by the demo ops
login through the real service, with a history — version 1 of both a year ago,
an editorial fix of the terms, a material change of the privacy policy three
weeks ago — and every demo account having accepted what is in force (as each
would have, at sign-up or on the accept page)."""

from datetime import datetime, timedelta

from doorstep.accounts.models import User
from doorstep.demo.clock import moved_clock
from doorstep.legal import queries, services
from doorstep.legal.models import PolicyAcceptance
from doorstep.legal.starter import STARTER_TEXT

PRIVACY_V2_EN = (
    "\n\n## Text messages\nBooking reminders by SMS are sent through our SMS "
    "provider, who receives your phone number and the reminder only."
)
PRIVACY_V2_ZH_HANS = (
    "\n\n## 短信\n预订提醒短信通过短信服务商发送，服务商只会收到你的手机号和提醒内容。"
)
PRIVACY_V2_ZH_HANT = (
    "\n\n## 簡訊\n預約提醒簡訊透過簡訊服務商發送，"
    "服務商只會收到你的手機號碼和提醒內容。"
)


def publish_demo_policies(*, ops: User, now: datetime) -> int:
    """Publish the versions and record everyone's acceptance; returns how many
    acceptances. Runs inside the people transaction, so the notices of the
    material versions find everyone has accepted and tell nobody."""
    terms, privacy = STARTER_TEXT["terms"], STARTER_TEXT["privacy"]
    with moved_clock(now - timedelta(days=400)) as clock:
        services.publish_version(actor=ops, document="terms", material=True, **terms)
        services.publish_version(
            actor=ops, document="privacy", material=True, **privacy
        )
        clock.set(now - timedelta(days=120))
        services.publish_version(
            actor=ops,
            document="terms",
            material=False,
            **{
                **terms,
                "summary_en": "Clearer wording on cancellation fees.",
                "summary_zh_hans": "取消费用的表述更清楚。",
                "summary_zh_hant": "取消費用的表述更清楚。",
            },
            reason="Support asked for plainer words on fees",
        )
        clock.set(now - timedelta(days=21))
        services.publish_version(
            actor=ops,
            document="privacy",
            material=True,
            body_en=privacy["body_en"] + PRIVACY_V2_EN,
            body_zh_hans=privacy["body_zh_hans"] + PRIVACY_V2_ZH_HANS,
            body_zh_hant=privacy["body_zh_hant"] + PRIVACY_V2_ZH_HANT,
            summary_en="SMS reminders: what our SMS provider receives.",
            summary_zh_hans="短信提醒：短信服务商会收到哪些信息。",
            summary_zh_hant="簡訊提醒：簡訊服務商會收到哪些資訊。",
            reason="SMS reminders launch",
        )
    versions = queries.current_versions()
    acceptances = [
        PolicyAcceptance(
            user_id=user_id,
            version=version,
            accepted_at=max(joined, version.published_at) + timedelta(minutes=5),
            source=PolicyAcceptance.Source.SIGNUP
            if joined >= version.published_at
            else PolicyAcceptance.Source.WEB,
        )
        for user_id, joined in User.objects.values_list("pk", "date_joined")
        for version in versions
    ]
    PolicyAcceptance.objects.bulk_create(acceptances, batch_size=1000)
    return len(acceptances)
