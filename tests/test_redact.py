from __future__ import annotations

from monitor.redact import mask_secrets


def test_mask_secrets_masks_passwords_and_secret_arguments_of_any_url() -> None:
    text = mask_secrets("GET https://bob:pw-9@api.example/x?token=t-123&page=2", [])
    assert text == "GET https://bob:****@api.example/x?token=****&page=2"
