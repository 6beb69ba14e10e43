"""What a channel's sync status says, from the facts alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from truecount.domain.sync_health import SyncFacts, age_in_words, error_in_words, sync_state

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC).replace(tzinfo=None)


def facts(**changes: object) -> SyncFacts:
    base: dict[str, object] = {
        "connected": True,
        "push": "immediate",
        "push_interval_s": 600.0,
        "queue_depth": 0,
        "oldest_queued_at": None,
        "failing_rows": 0,
        "consecutive_failures": 0,
        "paused_until": None,
        "last_error": None,
    }
    return SyncFacts(**(base | changes))  # type: ignore[arg-type]


def test_a_channel_without_a_base_url_is_not_connected_however_calm_its_queue() -> None:
    state = sync_state(facts(connected=False, queue_depth=239, oldest_queued_at=NOW - timedelta(days=2)), NOW)
    assert state.state == "not_connected"
    assert state.summary == "not connected: no base_url set; 239 pushes wait in the queue (oldest 2 days)"


def test_a_connected_channel_with_nothing_old_waiting_is_in_step() -> None:
    assert sync_state(facts(), NOW).summary == "in step"
    fresh = sync_state(facts(queue_depth=3, oldest_queued_at=NOW - timedelta(seconds=5)), NOW)
    assert (fresh.state, fresh.summary) == ("in_step", "in step: 3 pushes on the way")


def test_pushes_waiting_longer_than_the_policy_explains_make_the_channel_behind() -> None:
    old = facts(queue_depth=12, oldest_queued_at=NOW - timedelta(minutes=14))
    assert sync_state(old, NOW).summary == "behind: 12 pushes queued, the oldest 14 min ago"
    interval = facts(push="interval", queue_depth=12, oldest_queued_at=NOW - timedelta(minutes=9))
    assert sync_state(interval, NOW).state == "in_step"  # an interval channel waits for its batch


def test_failures_are_told_in_words_with_the_raw_error_kept() -> None:
    state = sync_state(
        facts(
            consecutive_failures=3,
            paused_until=NOW + timedelta(seconds=90),
            last_error="POST http://x/graphql: HTTP 503 after 4 attempts",
            queue_depth=2,
            oldest_queued_at=NOW - timedelta(minutes=3),
        ),
        NOW,
    )
    assert state.state == "failing"
    assert state.summary.startswith("failing: the channel's server failed (HTTP 503) (POST http://x/graphql")
    assert "3 failures, retrying in 1 min; 2 pushes queued (oldest 3 min)" in state.summary


def test_refused_credentials_pause_the_channel_until_they_change() -> None:
    refused = "token endpoint answered invalid_grant"  # no status code, no tell-tale word: the stored state says
    state = sync_state(facts(consecutive_failures=1, last_error=refused, credentials_error=refused), NOW)
    assert state.state == "paused"
    assert state.summary == (
        f"paused: the channel refused the credentials ({refused}); change the credentials to resume"
    )


def test_an_error_that_mentions_401_is_not_a_credentials_pause_unless_the_worker_stored_one() -> None:
    error = "PUT /offer/7: HTTP 403 Forbidden: this listing belongs to another seller"
    state = sync_state(facts(consecutive_failures=1, last_error=error), NOW)
    assert state.state == "failing"
    assert state.summary.startswith("failing: the channel refused the request (HTTP 403)")


def test_errors_and_ages_in_words() -> None:
    assert error_in_words(None) == ""
    assert error_in_words("ConnectError: [Errno 111] Connection refused").startswith("the channel cannot be reached")
    assert error_in_words("HTTP 429").startswith("the channel is limiting our request rate")
    assert error_in_words("ReadTimeout: timed out").startswith("the channel did not answer in time")
    assert [age_in_words(s) for s in (4, 125, 3900, 7200, 90_000)] == ["4 s", "2 min", "1 h 5 min", "2 h", "1 day"]
