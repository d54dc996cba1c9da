import requests

from mock_cliniko.seed import ADMIN_KEY_A


def test_get_user_over_https(mock):
    response = requests.get(
        f"{mock.base_url}/user",
        auth=(ADMIN_KEY_A, ""),
        headers={"Accept": "application/json", "User-Agent": "Docs tests (docs@example.com)"},
        verify=str(mock.ca_file),
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["id"] == "1230000000000000001"
