import pytest


@pytest.mark.django_db
def test_healthz_and_readyz_answer(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_readyz_reports_an_unreachable_redis(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "unreachable"


@pytest.fixture
def production_static_storage(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        },
    }
    return settings


@pytest.mark.django_db
def test_readyz_is_not_ready_while_static_files_are_not_collected(
    client, production_static_storage
):
    # Given production's manifest storage and nothing collected yet
    # When the load balancer asks
    response = client.get("/readyz")

    # Then the process is not ready: its pages would fail to link their styles
    assert response.status_code == 503
    assert response.json()["checks"]["static_files"] == "missing"


@pytest.mark.django_db
def test_collecting_when_stale_makes_the_process_ready_and_runs_once(
    client, production_static_storage
):
    from doorstep.web.static_files import collect_static_if_stale

    first = collect_static_if_stale()
    second = collect_static_if_stale()

    assert (first, second) == (True, False)
    assert client.get("/readyz").status_code == 200
