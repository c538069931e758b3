"""The mapping between Anthropic error types and HTTP statuses, both ways."""

from __future__ import annotations

import orjson
import pytest

from ccr.errors import anthropic_stream_error, error_type_for_status


def event_data(error: object) -> str:
    return orjson.dumps({"type": "error", "error": error}).decode()


@pytest.mark.parametrize(
    ("data", "status", "error_type", "in_message"),
    [
        (event_data({"type": "overloaded_error", "message": "Overloaded"}), 529, "overloaded_error", "Overloaded"),
        (event_data({"type": "api_error", "message": "Internal"}), 500, "api_error", "Internal"),
        (event_data({"type": "rate_limit_error", "message": "slow"}), 429, "rate_limit_error", "slow"),
        (event_data({"type": "invalid_request_error", "message": "long"}), 400, "invalid_request_error", "long"),
        (event_data({"type": "authentication_error", "message": "key"}), 401, "authentication_error", "key"),
        (event_data({"type": "timeout_error", "message": "late"}), 504, "timeout_error", "late"),
        (event_data({"type": "brand_new_error", "message": "odd"}), 500, "api_error", "odd"),
        (event_data({"message": "no type"}), 500, "api_error", "no type"),
        (event_data({"type": "api_error"}), 500, "api_error", '"api_error"'),
        (event_data("just text"), 502, "api_error", "without an error object"),
        ("[1, 2]", 502, "api_error", "without an error object"),
        ("not json", 502, "api_error", "not JSON"),
    ],
)
def test_anthropic_stream_error(data: str, status: int, error_type: str, in_message: str) -> None:
    err = anthropic_stream_error(data)
    assert (err.status, err.error_type) == (status, error_type)
    assert in_message in err.message


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 429, 500, 504, 529])
def test_a_status_survives_the_round_trip_through_its_error_type(status: int) -> None:
    data = event_data({"type": error_type_for_status(status), "message": "m"})
    assert anthropic_stream_error(data).status == status
