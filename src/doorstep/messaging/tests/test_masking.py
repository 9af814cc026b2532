"""Masking contact details: measured on a labelled corpus, and the cases that
matter most spelled out."""

import json
from pathlib import Path

import pytest

from doorstep.messaging.masking import (
    EMAIL,
    HANDLE,
    MASK,
    PHONE,
    URL,
    mask_contact_details,
    normalise,
)

CORPUS = Path(__file__).with_name("masking_corpus.jsonl")
TARGET = 0.95


def _corpus() -> list[dict]:
    with CORPUS.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def test_recall_and_precision_on_the_corpus_are_at_least_95_percent():
    # given a corpus of made-up messages, each labelled with the contact detail
    # it contains (or none)
    records = _corpus()
    assert len(records) >= 300
    positives = [r for r in records if r["contact"]]
    assert 0.4 <= len(positives) / len(records) <= 0.6
    assert {r["lang"] for r in records} == {"en", "zh-hans", "zh-hant"}

    # when every message is masked
    true_pos = false_pos = false_neg = 0
    misses, false_alarms = [], []
    for record in records:
        result = mask_contact_details(record["text"])
        if record["contact"]:
            # A hit hides the contact detail completely, not a part of it.
            if result.masked and record["contact"] not in result.text:
                true_pos += 1
            else:
                false_neg += 1
                misses.append(record["text"])
        elif result.masked:
            false_pos += 1
            false_alarms.append(f"{record['text']} -> {result.text}")

    # then both figures reach the target
    recall = true_pos / (true_pos + false_neg)
    precision = true_pos / (true_pos + false_pos)
    print(  # noqa: T201 - the figures are the point (pytest -s)
        f"\nmasking corpus: {len(records)} messages ({len(positives)} with contact "
        f"details); recall {recall:.1%}, precision {precision:.1%}"
    )
    assert recall >= TARGET, misses
    assert precision >= TARGET, false_alarms


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("call 138 0013 8000", PHONE),
        ("打我手机一三八零零一三八零零零", PHONE),
        ("手机壹叁玖贰贰叁叁肆肆伍伍", PHONE),
        ("電話：０９１２３４５６７８", PHONE),
        ("1 3 8 - 0 0 1 3 - 8 0 0 0", PHONE),
        ("one three eight zero zero one three eight zero zero zero", PHONE),
        ("jane at gmail dot com", EMAIL),
        ("lily＠qq.com", EMAIL),
        ("write to bob (at) yahoo (dot) com", EMAIL),
        ("加我微信 jane_88", HANDLE),
        ("LINE ID: tinahsu", HANDLE),
        ("Telegram @janecleans", HANDLE),
        ("QQ：2845617390", PHONE),
        ("see www.fixitmike.net", URL),
        ("https://wa.me/8613800138000", URL),
    ],
)
def test_contact_details_are_hidden(text, kind):
    result = mask_contact_details(text)

    assert result.masked
    assert kind in result.kinds
    assert MASK in result.text


@pytest.mark.parametrize(
    "text",
    [
        "The deep clean is ¥350",
        "350元，含工具",
        "I charge $120/hour",
        "3月5日 14:30 可以吗",
        "Can you come on 2026-11-26?",
        "No. 88 Nanjing Road",
        "我家在南京路88号",
        "2 bedrooms, about 3小时",
        "My order number is ord_5Kq8Zt2mX9pL4wQa",
        "Do you accept WeChat Pay?",
        "Please line up the chairs",
        "From 2019-2024 I worked in a hotel",
        "Total 12,345,678 VND",
    ],
)
def test_prices_dates_addresses_and_quantities_are_left_alone(text):
    result = mask_contact_details(text)

    assert not result.masked, result.text
    assert result.text == text


def test_only_the_id_is_hidden_so_the_reader_sees_what_happened():
    result = mask_contact_details("My WeChat: jane_clean88, talk soon")

    assert result.text == f"My WeChat: {MASK}, talk soon"


def test_normalising_keeps_every_position():
    text = "电话：壹叁捌－０Ａ"

    assert len(normalise(text)) == len(text)
    assert normalise(text) == "电话:138-0a"
