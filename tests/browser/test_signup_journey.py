"""A new customer signs up, confirms their email address and switches the site to
Simplified Chinese — in a real Chromium, against a live server."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from doorstep.catalog.models import Category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _category(
    slug: str,
    names: tuple[str, str, str],
    descriptions: tuple[str, str, str] = ("", "", ""),
    *,
    icon: str = "",
    parent: Category | None = None,
    position: int = 0,
) -> Category:
    """A category named in English, Simplified and Traditional Chinese."""
    return Category.objects.create(
        slug=slug,
        icon=icon,
        parent=parent,
        position=position,
        name_en=names[0],
        name_zh_hans=names[1],
        name_zh_hant=names[2],
        description_en=descriptions[0],
        description_zh_hans=descriptions[1],
        description_zh_hant=descriptions[2],
    )


def _seed_categories() -> None:
    cleaning = _category(
        "cleaning",
        ("Cleaning", "清洁", "清潔"),
        (
            "Homes and offices, spotless.",
            "一尘不染的家居与办公室。",
            "一塵不染的住家與辦公室。",
        ),
        icon="cleaning",
        position=1,
    )
    _category(
        "deep-cleaning", ("Deep cleaning", "深度清洁", "深度清潔"), parent=cleaning
    )
    _category(
        "move-out", ("Move-out cleaning", "退房清洁", "退租清潔"), parent=cleaning
    )
    repair = _category(
        "repair",
        ("Appliance repair", "家电维修", "家電維修"),
        (
            "Washing machines, fridges, air conditioners.",
            "洗衣机、冰箱、空调。",
            "洗衣機、冰箱、冷氣。",
        ),
        icon="wrench",
        position=2,
    )
    _category("aircon", ("Air conditioners", "空调", "冷氣"), parent=repair)
    beauty = _category(
        "beauty",
        ("Beauty", "美容美发", "美容美髮"),
        (
            "Hair, nails and make-up at home.",
            "上门美发、美甲和化妆。",
            "到府美髮、美甲和化妝。",
        ),
        icon="beauty",
        position=3,
    )
    _category("haircut", ("Haircut", "理发", "剪髮"), parent=beauty)
    _category("manicure", ("Manicure", "美甲", "美甲"), parent=beauty)
    _category(
        "tutoring",
        ("Tutoring", "家教", "家教"),
        ("Maths, languages and music.", "数学、语言和音乐课。", "數學、語言和音樂課。"),
        icon="tutoring",
        position=4,
    )
    _category(
        "pets",
        ("Pet care", "宠物护理", "寵物照護"),
        ("Walking, sitting and grooming.", "遛狗、寄养和美容。", "遛狗、寄養和美容。"),
        icon="paw",
        position=5,
    )
    _category(
        "photography",
        ("Photography", "摄影", "攝影"),
        (
            "Portraits, events and products.",
            "人像、活动和产品摄影。",
            "人像、活動和商品攝影。",
        ),
        icon="camera",
        position=6,
    )


def test_new_customer_signs_up_confirms_and_switches_to_chinese(
    live_server, page: Page, mailoutbox, artifacts_dir
):
    _seed_categories()

    # Given a visitor on the home page
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Trusted help")

    # When they sign up with their name, email address and a password
    page.get_by_role("banner").get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill("mei.chen@example.com")
    page.get_by_label("Your name").fill("Mei Chen")
    page.get_by_label("Password").fill("a-Very-long-passphrase-42")
    page.get_by_label("I agree to the terms").check()
    page.get_by_role("button", name="Create account").click()

    # Then they are asked to confirm their address, and an email brings the link
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[0].body)
    assert link, mailoutbox[0].body

    # When they open the link and confirm
    page.goto(link.group(0))
    page.get_by_role("button", name="Confirm").click()

    # Then they are signed in and see their name in the header
    expect(page.get_by_role("banner")).to_contain_text("Mei Chen")

    # When they switch the language to Simplified Chinese with the switcher
    page.get_by_label("Language").select_option(label="简体中文")
    page.get_by_role("button", name="Change language").click()

    # Then the page is in Chinese
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="浏览服务")).to_be_visible()
    expect(page.get_by_role("heading", name="清洁")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Mei Chen")
    page.screenshot(path=artifacts_dir / "signup-zh-hans.png", full_page=True)


def test_home_page_on_a_phone(live_server, browser: Browser, artifacts_dir):
    _seed_categories()
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()

    page.goto(live_server.url + "/")

    expect(page.get_by_role("search")).to_be_visible()
    # nothing sticks out sideways on a narrow screen
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0
    page.screenshot(path=artifacts_dir / "home-mobile.png", full_page=True)
    context.close()
