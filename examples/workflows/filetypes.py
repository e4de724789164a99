"""flytekit's typed file and folder aliases, FlyteSchema, BatchSize, and the exceptions that steer how a task ends
(IgnoreOutputs: succeed without outputs; FlyteRecoverableException: fail and let Flyte retry), and a generator
task's ``Iterator[T]`` output (a list on the wire)."""

import datetime
import typing
from typing import Annotated

from autoc import (BatchSize, CSVFile, FlyteDirectory, FlyteRecoverableException, FlyteSchema, HDF5EncodedFile,
                   HTMLPage, IgnoreOutputs, JoblibSerializedFile, JPEGImageFile, JSONLFile, ONNXFile, PDFFile,
                   PNGImageFile, PythonNotebook, PythonPickledFile, SVGImageFile, TensorboardLogs, TFRecordFile,
                   TFRecordsDirectory, kwtypes, task, workflow)
from autoc.testing import SecretsManager, patch, task_mock  # noqa: F401 (importable at the top of a module)

Measurements = FlyteSchema[kwtypes(site=str, count=int, level=float, ok=bool, at=datetime.datetime,
                                   took=datetime.timedelta)]


@task
def render(table: CSVFile, weights: HDF5EncodedFile, model: JoblibSerializedFile, photo: JPEGImageFile,
           records: JSONLFile, net: ONNXFile, notebook: PythonNotebook, blob: PythonPickledFile,
           example: TFRecordFile) -> typing.Tuple[HTMLPage, PDFFile, PNGImageFile, SVGImageFile]:
    return HTMLPage("report.html"), PDFFile("report.pdf"), PNGImageFile("plot.png"), SVGImageFile("plot.svg")


@task
def train(shards: TFRecordsDirectory, images: Annotated[FlyteDirectory, BatchSize(10)]) -> TensorboardLogs:
    return TensorboardLogs("logs")


@task
def measure(n: int) -> Measurements:
    if n < 0:
        raise FlyteRecoverableException("the sensor is warming up")
    return Measurements()


@task
def summarize(raw: FlyteSchema, typed: Measurements) -> FlyteSchema:
    if raw.remote_path is None:
        raise IgnoreOutputs("nothing measured")
    return raw


@task
def lines(doc: CSVFile) -> typing.Iterator[str]:
    with open(doc) as f:
        yield from f


@workflow
def measurements(n: int) -> FlyteSchema:
    m = measure(n=n)
    return summarize(raw=m, typed=m)
