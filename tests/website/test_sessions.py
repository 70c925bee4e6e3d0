"""The website's namespace of conversations inside Rasa."""

from bot.website import sessions


def test_a_new_id_is_128_random_bits_in_hexadecimal():
    ids = {sessions.new_client_id() for _ in range(200)}
    assert len(ids) == 200 and all(sessions.CLIENT_ID.match(i) for i in ids)


def test_the_website_talks_to_rasa_under_its_own_prefix_only():
    client = "0123456789abcdef0123456789abcdef"
    assert sessions.sender_of(client) == "web-" + client


def test_ids_of_other_channels_never_become_a_website_sender():
    for foreign in [
        "123456789",
        "U024BE7LH",
        "whatsapp:+33612345678",
        "29:1abcd",
        "web-" + "0" * 32,
        "0" * 31,
        "0" * 33,
        "G" * 32,
        None,
        42,
        ["a"],
        "",
    ]:
        assert sessions.sender_of(foreign) is None
