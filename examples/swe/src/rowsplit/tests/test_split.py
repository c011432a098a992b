from rowsplit import join_row, split_row


def test_plain_fields():
    assert split_row("a,b,c") == ["a", "b", "c"]


def test_trailing_newline_ignored():
    assert split_row("a,b\n") == ["a", "b"]


def test_empty_fields_kept():
    assert split_row("a,,c,") == ["a", "", "c", ""]


def test_preserves_spaces():
    assert split_row(" a , b ") == [" a ", " b "]


def test_other_delimiter():
    assert split_row("a;b", delimiter=";") == ["a", "b"]


def test_join_quotes_when_needed():
    assert join_row(["a", "b,c", 'say "hi"']) == 'a,"b,c","say ""hi"""'
