import pytest

pytestmark = pytest.mark.django_db


def test_the_verify_page_shows_the_entry_and_a_proof_that_checks(client, published):
    review, _, checkpoint = published
    response = client.get(f"/transparency/verify/{review.public_id}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "review.published" in page
    assert "data-verified>" in page
    assert 'data-verified="false"' not in page
    assert checkpoint.note.splitlines()[2] in page


def test_the_verify_page_of_an_unknown_id_is_not_found(client, published):
    response = client.get("/transparency/verify/rev_nope/")
    assert response.status_code == 404
    assert "data-pending" in response.content.decode()


def test_the_overview_shows_the_checkpoint_and_key(client, published):
    _, _, checkpoint = published
    response = client.get("/transparency/")
    assert response.status_code == 200
    assert checkpoint.note.splitlines()[1] in response.content.decode()


def test_review_cards_link_to_their_verify_page(client, published):
    review, _, _ = published
    page = client.get(review.get_absolute_url()).content.decode()
    assert f"/transparency/verify/{review.public_id}/" in page
