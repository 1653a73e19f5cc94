from paperradar.ids import first_doi, normalize_arxiv_id, normalize_doi, parse_arxiv_id, title_key


def test_every_arxiv_form_reduces_to_one_id() -> None:
    forms = [
        "2506.01234v2",
        "2506.01234",
        "arXiv:2506.01234",
        "ARXIV:2506.01234v3",
        "https://arxiv.org/abs/2506.01234v1",
        "https://arxiv.org/pdf/2506.01234",
        "http://arxiv.org/pdf/2506.01234v2.pdf",
        "oai:arXiv.org:2506.01234v2",
        "https://export.arxiv.org/abs/2506.01234",
    ]
    assert {normalize_arxiv_id(f) for f in forms} == {"2506.01234"}
    assert parse_arxiv_id("2506.01234v2") == ("2506.01234", 2)
    assert parse_arxiv_id("arXiv:2506.01234") == ("2506.01234", None)


def test_old_style_ids_keep_archive_and_drop_subject_class() -> None:
    assert parse_arxiv_id("hep-th/9901001") == ("hep-th/9901001", None)
    assert parse_arxiv_id("https://arxiv.org/abs/hep-th/9901001v2") == ("hep-th/9901001", 2)
    assert parse_arxiv_id("math.GT/0309136") == ("math/0309136", None)
    assert parse_arxiv_id("http://arxiv.org/abs/quant-ph/0201082v1") == ("quant-ph/0201082", 1)


def test_things_that_are_not_arxiv_ids() -> None:
    for text in ["2506 results", "abc", "12345.6789", "2506.012", "hep-th/99", ""]:
        assert parse_arxiv_id(text) is None, text


def test_doi_normalisation() -> None:
    assert (
        normalize_doi("https://doi.org/10.1103/PhysRevD.93.016005") == "10.1103/physrevd.93.016005"
    )
    assert normalize_doi("doi:10.1145/3395363.3397376") == "10.1145/3395363.3397376"
    assert normalize_doi("http://dx.doi.org/10.5802/JEP.257") == "10.5802/jep.257"
    assert normalize_doi("not a doi") is None
    assert first_doi("10.1103/PhysRevD.93.016005, 10.1103/PhysRevD.98.079901") == (
        "10.1103/physrevd.93.016005"
    )


def test_title_key_ignores_case_accents_punctuation_and_name_order() -> None:
    a = title_key("Attention Is All You Need!", ["Ashish Vaswani", "Noam Shazeer"])
    b = title_key("attention is   all you need", ["Vaswani, Ashish"])
    c = title_key("Attention Is All You Need", ["Noam Shazeer"])
    assert a == b
    assert a != c
    assert title_key("Café", ["José Núñez"]) == title_key("cafe", ["Jose Nunez"])


def test_a_version_too_long_for_the_store_is_not_an_id() -> None:
    # v99999999999999999999 overflowed SQLite's integer when the paper was stored.
    assert parse_arxiv_id("2506.01234v99999999999999999999") is None
    assert parse_arxiv_id("arXiv:2506.01234v12") == ("2506.01234", 12)
    assert parse_arxiv_id("hep-th/9901001v9999") == ("hep-th/9901001", 9999)


def test_a_doi_field_that_is_not_text_is_no_doi() -> None:
    # A JSON export may hold a number or a list where the DOI goes.
    assert normalize_doi(10.1) is None  # type: ignore[arg-type]
    assert first_doi(["10.1103/x"]) is None  # type: ignore[arg-type]
