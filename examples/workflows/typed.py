"""Types data teams pass between tasks: DataFrames (StructuredDataset), pydantic models, typed files and folders,
Annotated metadata. Needs ``autoc[pandas,pydantic]``."""

import datetime
import hashlib
import typing
from typing import Annotated, Optional

import pandas as pd
import pyarrow as pa
from pydantic import BaseModel

from autoc import Directory, File, FlyteAnnotation, HashMethod, StructuredDataset, kwtypes, task

CSV = typing.TypeVar("csv")
Sales = kwtypes(region=str, units=int, price=float)


def frame_hash(df: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(df).values.tobytes()).hexdigest()


class Point(BaseModel):
    x: float
    y: float = 0.0


class Report(BaseModel):
    name: str
    points: typing.List[Point]
    created: datetime.datetime
    tags: typing.Dict[str, int] = {}
    note: Optional[str] = None


class Bundle(BaseModel):
    """A model holding a file, a folder and a dataset."""

    title: str
    data: File
    folder: Directory
    table: StructuredDataset


class Catalog(BaseModel):
    """Formatted files and folders inside a model."""

    sheets: typing.List[File["csv"]]
    folder: Directory["csv"]
    extra: Optional[File] = None


@task
def load_sales(path: File[CSV]) -> Annotated[pd.DataFrame, Sales]:
    """Read a CSV of sales."""
    return pd.read_csv(path)


@task
def revenue(sales: Annotated[pd.DataFrame, kwtypes(units=int, price=float)]
            ) -> Annotated[pd.DataFrame, HashMethod(frame_hash)]:
    return sales.assign(revenue=sales.units * sales.price)


@task
def by_region(sales: Annotated[StructuredDataset, Sales]) -> Annotated[StructuredDataset, kwtypes(region=str), "csv"]:
    df = sales.open(pd.DataFrame).all()
    return StructuredDataset(dataframe=df[["region"]].drop_duplicates())


@task
def to_arrow(sd: StructuredDataset) -> pa.Table:
    return sd.open(pa.Table).all()


@task
def maybe_frames(frames: typing.List[pd.DataFrame], extra: Optional[pd.DataFrame] = None) -> int:
    return sum(len(f) for f in frames) + (len(extra) if extra is not None else 0)


@task
def summarize(report: Report, scale: Annotated[float, FlyteAnnotation({"unit": "m"})] = 1.0) -> Bundle:
    import os
    import tempfile

    folder = tempfile.mkdtemp()
    with open(os.path.join(folder, "points.csv"), "w") as f:
        f.write("x,y\n" + "".join(f"{p.x * scale},{p.y * scale}\n" for p in report.points))
    table = pd.DataFrame({"x": [p.x * scale for p in report.points], "y": [p.y * scale for p in report.points]})
    return Bundle(title=report.name, data=File(os.path.join(folder, "points.csv")), folder=Directory(folder),
                  table=StructuredDataset(dataframe=table))


@task
def folders(d: Directory["csv"], limit: Annotated[int, "documentation only"]) -> typing.List[File["csv"]]:
    import os

    root = d.download()
    return [File(os.path.join(root, n)) for n in sorted(os.listdir(root))[:limit]]


@task
def catalog(c: Catalog) -> int:
    return len(c.sheets)
