"""A BigQuery agent task (flytekitplugins-bigquery) and a pandera-validated data frame (flytekitplugins-pandera)."""

import pandas as pd
import pandera as pa
from flytekit import kwtypes, task, workflow
from flytekit.types.structured import StructuredDataset
from flytekitplugins.bigquery import BigQueryConfig, BigQueryTask
from pandera.typing import DataFrame, Series

import flytekitplugins.pandera  # noqa: F401 (the type transformer)

orders = BigQueryTask(
    name="plug.warehouse.orders",
    inputs=kwtypes(ds=str),
    query_template="SELECT * FROM `bigquery-public-data.crypto_dogecoin.transactions` WHERE date = @ds LIMIT 10",
    output_structured_dataset_type=StructuredDataset,
    task_config=BigQueryConfig(ProjectID="flyte-test", Location="us-west1"),
)


class Orders(pa.DataFrameModel):
    amount: Series[float] = pa.Field(ge=0)
    customer: Series[str]


@task
def clean(df: DataFrame[Orders]) -> DataFrame[Orders]:
    return df


@task
def make() -> pd.DataFrame:
    return pd.DataFrame({"amount": [1.0], "customer": ["a"]})


@workflow
def warehouse(ds: str = "2024-01-01") -> DataFrame[Orders]:
    orders(ds=ds)
    return clean(df=make())
