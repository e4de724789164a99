"""DataFrames, pydantic models, typed files and Annotated values exchanged with flytekit in both directions.

Written against ``from autoc import ...`` only, so the same module runs in autoc's tests and in the flytekit
oracle (where tests/oracle_shim maps those names onto flytekit's). ``cases(workdir)`` gives, per name, the declared
type, the value one side writes, and a check the other side runs on what it read (None when it matches, else a
message).
"""

from __future__ import annotations

import datetime
import hashlib
import os
import typing
from typing import Annotated

import pandas as pd
import pyarrow as pa
from pydantic import BaseModel

from autoc import Directory, File, FlyteAnnotation, HashMethod, StructuredDataset, kwtypes


def frame() -> pd.DataFrame:
    return pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"], "c": [0.5, 1.5, 2.5],
                         "when": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"])})


def frame_hash(df: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(df, index=True).values.tobytes()).hexdigest()


class Point(BaseModel):
    x: float
    y: float = 0.0


class Report(BaseModel):
    name: str
    points: typing.List[Point]
    when: datetime.datetime
    tags: typing.Dict[str, int] = {}
    note: typing.Optional[str] = None


class Bundle(BaseModel):
    title: str
    data: File
    folder: Directory
    table: StructuredDataset


CSV_TEXT = "k,v\n1,one\n2,two\n"
UTC = datetime.timezone.utc


def _same_frame(got, want: pd.DataFrame) -> typing.Optional[str]:
    if not isinstance(got, pd.DataFrame):
        return f"got {type(got).__name__}"
    got, want = got.reset_index(drop=True), want.reset_index(drop=True)
    if list(got.columns) != list(want.columns):
        return f"columns {list(got.columns)} != {list(want.columns)}"
    for c in want.columns:
        if [str(v) for v in got[c]] != [str(v) for v in want[c]]:
            return f"column {c}: {list(got[c])} != {list(want[c])}"
    return None


def _read_text(f) -> str:
    with open(f, "r") as fh:  # os.fspath: downloads a remote file on first use (both tools)
        return fh.read()


def _dir_files(d) -> typing.List[str]:
    root = d.download()
    return sorted(os.path.relpath(os.path.join(p, n), root) for p, _, names in os.walk(root) for n in names)


def cases(workdir: str) -> typing.Dict[str, tuple]:
    os.makedirs(os.path.join(workdir, "folder", "sub"), exist_ok=True)
    csv_path = os.path.join(workdir, "data.csv")
    with open(csv_path, "w") as f:
        f.write(CSV_TEXT)
    for rel, text in (("one.txt", "1"), ("sub/two.txt", "2")):
        with open(os.path.join(workdir, "folder", rel), "w") as f:
            f.write(text)
    df = frame()
    report = Report(name="r", points=[Point(x=1.0, y=2.0), Point(x=3.0)],
                    when=datetime.datetime(2024, 5, 6, tzinfo=UTC), tags={"k": 1})
    return {
        "df": (pd.DataFrame, df, lambda got: _same_frame(got, df)),
        "df_columns": (Annotated[pd.DataFrame, kwtypes(a=int, b=str)], df,
                       lambda got: _same_frame(got, df[["a", "b"]])),
        "arrow": (pa.Table, pa.Table.from_pandas(df),
                  lambda got: None if isinstance(got, pa.Table) and got.equals(pa.Table.from_pandas(df))
                  else f"got {got!r:.200}"),
        "sd": (StructuredDataset, StructuredDataset(dataframe=df),
               lambda got: _same_frame(got.open(pd.DataFrame).all(), df)),
        "sd_columns": (Annotated[StructuredDataset, kwtypes(a=int, c=float)], StructuredDataset(dataframe=df),
                       lambda got: _same_frame(got.open(pd.DataFrame).all(), df[["a", "c"]])),
        "sd_csv": (Annotated[StructuredDataset, "csv"], StructuredDataset(dataframe=df[["a", "b"]]),
                   lambda got: _same_frame(got.open(pd.DataFrame).all(), df[["a", "b"]])),
        "df_list": (typing.List[pd.DataFrame], [df, df.head(1)],
                    lambda got: _same_frame(got[0], df) or _same_frame(got[1], df.head(1))),
        "df_hashed": (Annotated[pd.DataFrame, HashMethod(frame_hash)], df, lambda got: _same_frame(got, df)),
        "model": (Report, report, lambda got: None if got == report else f"{got!r} != {report!r}"),
        "models": (typing.List[Report], [report, report], lambda got: None if got == [report, report] else repr(got)),
        "model_refs": (Bundle, Bundle(title="b", data=File(csv_path), folder=Directory(os.path.join(workdir, "folder")),
                                      table=StructuredDataset(dataframe=df)),
                       lambda got: (None if got.title == "b" else got.title)
                       or (None if _read_text(got.data) == CSV_TEXT else "file content")
                       or (None if _dir_files(got.folder) == ["one.txt", "sub/two.txt"] else _dir_files(got.folder))
                       or _same_frame(got.table.open(pd.DataFrame).all(), df)),
        "csv_file": (File[typing.TypeVar("csv")], File(csv_path),
                     lambda got: None if _read_text(got) == CSV_TEXT else "file content"),
        "csv_file_str": (File["csv"], File(csv_path), lambda got: None if _read_text(got) == CSV_TEXT else "content"),
        "csv_dir": (Directory["csv"], Directory(os.path.join(workdir, "folder")),
                    lambda got: None if _dir_files(got) == ["one.txt", "sub/two.txt"] else _dir_files(got)),
        "annotated_int": (Annotated[int, "ignored", {"also": "ignored"}], 7, lambda got: None if got == 7 else got),
        "annotated_list": (Annotated[typing.List[int], FlyteAnnotation({"unit": "m"})], [1, 2],
                           lambda got: None if got == [1, 2] else got),
        "hashed_str": (Annotated[str, HashMethod(lambda s: "h-" + s)], "v", lambda got: None if got == "v" else got),
    }
