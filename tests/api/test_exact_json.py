"""JSON with exact numbers: Decimals keep their digits, everything else reads as json would."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from monitor.api.exact_json import exact_bytes, exact_json
from monitor.api.schemas.plans import BandOut


def test_a_decimal_is_written_with_every_digit_where_a_float_would_lose_them() -> None:
    text = exact_json({"value": Decimal("12345678901234567.89")})
    assert text == '{"value":12345678901234567.89}'
    assert json.loads(text, parse_float=Decimal) == {"value": Decimal("12345678901234567.89")}


def test_a_model_is_written_with_its_money_rounded_to_two_places() -> None:
    band = BandOut(lower=Decimal("54.995"), upper=Decimal(66))
    assert exact_json(band) == '{"lower":55.00,"upper":66.00}'


def test_indented_output_reads_as_json_dumps_writes_it() -> None:
    data = {"a": [1, {}, [], None, True], "b": {"c": "text", "d": 2.5}, "e": []}
    assert exact_json(data, indented=True) == json.dumps(data, indent=2)
    assert exact_json(data) == json.dumps(data, separators=(",", ":"))


def test_a_decimal_with_an_exponent_is_written_in_plain_digits() -> None:
    assert exact_json([Decimal("1E+2"), Decimal("5E-8")]) == "[100,0.00000005]"


def test_times_are_iso_8601_utc_with_a_z() -> None:
    assert exact_json([datetime(2024, 3, 1, 12, tzinfo=UTC)]) == '["2024-03-01T12:00:00Z"]'


def test_an_answer_over_http_is_utf_8() -> None:
    assert exact_bytes({"é": 'a"b\n'}) == b'{"\xc3\xa9":"a\\"b\\n"}'


def test_text_for_the_cli_is_ascii_with_escapes_as_json_dumps_writes_it() -> None:
    data = {"é": ["rééquilibrage ✓", "a\U0001f4c8b"], "k": 'a"b\n'}
    assert exact_json(data) == json.dumps(data, separators=(",", ":"))
    assert exact_json(data, indented=True) == json.dumps(data, indent=2)


def test_a_lone_surrogate_a_client_sent_is_written_as_the_replacement_character() -> None:
    text = exact_json({"a\udc80": ["b\ud800", Decimal("1.50")]})
    assert json.loads(text) == {"a\ufffd": ["b\ufffd", 1.5]}
