"""Bad requests get a clear page, never a 500 (SEC-17)."""

from __future__ import annotations


def test_not_found_page_is_helpful(client):
    response = client.get("/pledges/no-such-pledge")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json() == {"error": 404, "message": "Not Found"}


def test_malformed_percent_encoding_and_utf8_never_500(client, make_pledge):
    pledge = make_pledge()
    for path in ["/pledges/%ff%fe", "/pledges/%", "/confirm/%c3%28", "/%00", "/pledges/%E2%82"]:
        assert client.get(path).status_code in (400, 404), path
    response = client.post(
        f"/pledges/{pledge.slug}",
        data=b"name=%ff%fe&email=%",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (400, 422)


def test_post_without_csrf_token_is_refused_with_a_clear_page(client):
    response = client.post("/accounts/login", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_method_not_allowed_is_a_page_not_a_500(client):
    assert client.post("/about").status_code in (400, 405)


def test_nul_bytes_anywhere_are_a_clear_400(client, make_pledge):
    pledge = make_pledge()
    for path in [
        "/pledges/%00",
        "/pledges/a%00b/thanks",
        "/my-data/%00",
        "/confirm/a%00",
        "/areas?x=%00",
    ]:
        assert client.get(path).status_code == 400, path
    response = client.post(f"/pledges/{pledge.slug}", data={"name": "a\x00b"})
    assert response.status_code == 400
