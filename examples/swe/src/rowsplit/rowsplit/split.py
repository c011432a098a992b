"""One row of comma-separated values <-> a list of fields."""


def split_row(line, delimiter=","):
    """The fields of `line` (a trailing newline is ignored)."""
    if len(delimiter) != 1:
        raise ValueError("the delimiter must be one character")
    return line.rstrip("\r\n").split(delimiter)


def join_row(fields, delimiter=","):
    """`fields` joined into one line; fields holding the delimiter or a quote are quoted."""
    out = []
    for field in fields:
        if delimiter in field or '"' in field:
            field = '"' + field.replace('"', '""') + '"'
        out.append(field)
    return delimiter.join(out)
