from __future__ import annotations

from monitor.masking import mask_secrets, url_secrets


def test_mask_secrets_masks_passwords_and_secret_arguments_of_any_url() -> None:
    text = mask_secrets("GET https://bob:pw-9@api.example/x?token=t-123&page=2", [])
    assert text == "GET https://bob:****@api.example/x?token=****&page=2"


def test_url_secrets_are_the_password_secret_arguments_and_long_values() -> None:
    secrets = url_secrets("https://bob:pw-9@api.example/x?token=t-1&per_page=500&k=abcdef123456")
    assert set(secrets) == {"pw-9", "", "t-1", "abcdef123456"}


def test_a_short_ordinary_query_value_does_not_garble_an_error() -> None:
    url = "https://api.example.com/holdings?per_page=500&format=csv"
    error = "Server error '500 Internal Server Error' for url 'https://api.example.com/...'"
    assert mask_secrets(error, url_secrets(url)) == error
