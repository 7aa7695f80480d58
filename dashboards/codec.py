"""Safe, exact serialisation of cached values for the shared (Redis) cache: no pickle.

A value read back from Redis is data, never code: MessagePack (msgpack) with a few extension
types for what the cache holds — frames (one column at a time: numeric columns as their raw
bytes, text and object columns as lists), numpy arrays and scalars (plotly's figure JSON keeps
numpy arrays), tuples, sets, dates and times, decimals. Each type comes back as it went in
(`decode(encode(v))` equals `v`, dtypes included). A value with anything else in it (a frame
with a MultiIndex, a tz-aware column, an object of another class) raises `Unsupported`: the
cache then keeps it in the process only, rather than guess a conversion.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import msgpack
import numpy as np
import pandas as pd

MAGIC = b"ngc1"  # format version: a blob of another format is a miss, never misread

_TUPLE, _FROZENSET, _SET, _NDARRAY, _NPSCALAR = 1, 2, 3, 4, 5
_DATETIME, _DATE, _TIMESTAMP, _DECIMAL, _FRAME, _SERIES, _NA, _NAT = 6, 7, 8, 9, 10, 11, 12, 13


class Unsupported(TypeError):
    """A value the codec cannot carry exactly (kept in the process's cache only)."""


def encode(value: object) -> bytes:
    """The bytes of a cached value (raises `Unsupported` for a type it cannot carry exactly)."""
    try:
        return MAGIC + msgpack.packb(value, default=_default, strict_types=True, use_bin_type=True)
    except (TypeError, ValueError, OverflowError) as e:  # msgpack's own refusals
        raise Unsupported(str(e)) from e


def decode(blob: bytes) -> object:
    """The value `encode` wrote (ValueError for bytes of another format)."""
    if not blob.startswith(MAGIC):
        raise ValueError("not a cache value of this format")
    return msgpack.unpackb(
        blob[len(MAGIC) :], ext_hook=_ext_hook, strict_map_key=False, use_list=True, raw=False
    )


def _pack(value: object) -> bytes:
    return msgpack.packb(value, default=_default, strict_types=True, use_bin_type=True)


def _unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, ext_hook=_ext_hook, strict_map_key=False, raw=False)


def _default(value: object) -> msgpack.ExtType:
    # strict_types: subclasses (bool of int aside, which msgpack knows) come here too, so a
    # str or dict subclass is refused rather than flattened to its base class.
    if isinstance(value, tuple) and type(value) is tuple:
        return msgpack.ExtType(_TUPLE, _pack(list(value)))
    if type(value) is frozenset or type(value) is set:
        kind = _FROZENSET if type(value) is frozenset else _SET
        return msgpack.ExtType(kind, _pack(list(value)))
    # Before datetime: a Timestamp is a datetime subclass.
    if isinstance(value, pd.Timestamp) and type(value) is pd.Timestamp:
        return msgpack.ExtType(_TIMESTAMP, _pack([value.value, value.unit, _tz(value)]))
    if value is pd.NaT:
        return msgpack.ExtType(_NAT, b"")
    if value is pd.NA:
        return msgpack.ExtType(_NA, b"")
    if type(value) is dt.datetime:
        if value.tzinfo is not None and value.tzinfo is not dt.UTC:
            raise Unsupported("a datetime with a time zone other than UTC")
        return msgpack.ExtType(_DATETIME, value.isoformat().encode())
    if type(value) is dt.date:
        return msgpack.ExtType(_DATE, value.isoformat().encode())
    if type(value) is decimal.Decimal:
        return msgpack.ExtType(_DECIMAL, str(value).encode())
    if isinstance(value, np.ndarray) and type(value) is np.ndarray:
        return msgpack.ExtType(_NDARRAY, _pack(_array(value)))
    if isinstance(value, np.generic):
        if value.dtype.kind == "O":
            raise Unsupported("a numpy object scalar")
        return msgpack.ExtType(_NPSCALAR, _pack([value.dtype.str, value.tobytes()]))
    if type(value) is pd.DataFrame:
        return msgpack.ExtType(_FRAME, _pack(_frame(value)))
    if isinstance(value, pd.Series) and type(value) is pd.Series:
        return msgpack.ExtType(_SERIES, _pack([_column(value), _index(value.index), value.name]))
    raise Unsupported(f"cannot carry a {type(value).__name__} exactly")


def _tz(value: pd.Timestamp) -> str | None:
    if value.tzinfo is None:
        return None
    if str(value.tzinfo) != "UTC":
        raise Unsupported("a Timestamp with a time zone other than UTC")
    return "UTC"


def _array(arr: np.ndarray) -> list:
    if arr.dtype.kind == "O":
        return ["O", list(arr.shape), arr.ravel().tolist()]
    if arr.dtype.kind not in "biufcmM" or arr.dtype.fields is not None:
        raise Unsupported(f"a numpy array of dtype {arr.dtype}")
    return [arr.dtype.str, list(arr.shape), np.ascontiguousarray(arr).tobytes()]


def _from_array(parts: list) -> np.ndarray:
    dtype, shape, data = parts
    if dtype == "O":
        out = np.empty(len(data), dtype=object)
        out[:] = data
        return out.reshape(shape)
    return np.frombuffer(data, dtype=np.dtype(dtype)).reshape(shape).copy()  # writable


def _column(series: pd.Series) -> list:
    """One column: its dtype's name and its values, in the form that dtype round-trips."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype):
        return ["numpy", _array(series.to_numpy())]
    if isinstance(dtype, pd.CategoricalDtype):
        cats = pd.Series(dtype.categories)
        return ["category", [_column(cats), series.cat.codes.to_numpy().tobytes(), dtype.ordered]]
    if isinstance(dtype, pd.StringDtype | pd.BooleanDtype) or (
        isinstance(dtype, pd.core.dtypes.dtypes.BaseMaskedDtype)  # Int64, Float64, ...
    ):
        if isinstance(dtype, pd.StringDtype) and dtype.storage != "python":
            raise Unsupported(f"a {dtype!r} column")  # pyarrow storage: not installed here
        values = series.to_numpy(dtype=object, na_value=None).tolist()
        return ["ext", [_dtype_name(dtype), values]]
    raise Unsupported(f"a column of dtype {dtype}")


def _dtype_name(dtype: object) -> list:
    if isinstance(dtype, pd.StringDtype):
        # "str" (NaN for missing, pandas 3's default) and "string" (pd.NA) are two dtypes.
        return ["string", dtype.storage, "nan" if dtype.na_value is np.nan else "na"]
    return ["named", str(dtype)]


def _from_column(parts: list):
    """The values `_column` wrote, as a numpy or pandas extension array."""
    kind, body = parts
    if kind == "numpy":
        return _from_array(body)
    if kind == "category":
        cats_parts, codes, ordered = body
        cats = _from_column(cats_parts)
        codes_arr = np.frombuffer(codes, dtype=_codes_dtype(len(cats)))
        return pd.Categorical.from_codes(codes_arr, categories=cats, ordered=ordered)
    (dtype_kind, *spec), values = body
    if dtype_kind == "string":
        storage, na = spec
        dtype = pd.StringDtype(storage=storage, na_value=np.nan if na == "nan" else pd.NA)
    else:
        dtype = pd.api.types.pandas_dtype(spec[0])
    return pd.array(values, dtype=dtype)


def _codes_dtype(n: int) -> np.dtype:
    # pandas picks the smallest signed integer holding every code (and -1 for missing).
    return pd.Categorical.from_codes([], categories=range(n)).codes.dtype


def _index(index: pd.Index) -> list:
    if type(index) is pd.RangeIndex:
        return ["range", [index.start, index.stop, index.step, index.name]]
    if type(index) is pd.Index:
        return ["index", [_column(pd.Series(index)), index.name]]
    raise Unsupported(f"a {type(index).__name__}")


def _from_index(parts: list) -> pd.Index:
    kind, body = parts
    if kind == "range":
        start, stop, step, name = body
        return pd.RangeIndex(start, stop, step, name=name)
    column, name = body
    return pd.Index(_from_column(column), name=name)


def _frame(frame: pd.DataFrame) -> list:
    if frame.attrs:
        raise Unsupported("a frame with attrs")
    if type(frame.columns) not in (pd.Index, pd.RangeIndex) or frame.columns.has_duplicates:
        raise Unsupported("a frame with MultiIndex or duplicate columns")
    columns = [_column(column) for _, column in frame.items()]
    return [_index(frame.columns), _index(frame.index), columns]


def _from_frame(parts: list) -> pd.DataFrame:
    columns_index, index_parts, columns = parts
    labels = _from_index(columns_index)
    index = _from_index(index_parts)
    if not columns:
        return pd.DataFrame(index=index, columns=labels)
    arrays = {i: _from_column(body) for i, body in enumerate(columns)}
    frame = pd.DataFrame(arrays, index=index, copy=False)
    frame.columns = labels
    return frame


def _ext_hook(code: int, data: bytes) -> object:
    if code == _TUPLE:
        return tuple(_unpack(data))
    if code == _FROZENSET:
        return frozenset(_unpack(data))
    if code == _SET:
        return set(_unpack(data))
    if code == _NDARRAY:
        return _from_array(_unpack(data))
    if code == _NPSCALAR:
        dtype, raw = _unpack(data)
        return np.frombuffer(raw, dtype=np.dtype(dtype))[0]
    if code == _DATETIME:
        return dt.datetime.fromisoformat(data.decode())
    if code == _DATE:
        return dt.date.fromisoformat(data.decode())
    if code == _TIMESTAMP:
        value, unit, tz = _unpack(data)
        return pd.Timestamp(value, tz=tz).as_unit(unit)  # .value is in nanoseconds
    if code == _DECIMAL:
        return decimal.Decimal(data.decode())
    if code == _FRAME:
        return _from_frame(_unpack(data))
    if code == _SERIES:
        column, index_parts, name = _unpack(data)
        return pd.Series(_from_column(column), index=_from_index(index_parts), name=name)
    if code == _NA:
        return pd.NA
    if code == _NAT:
        return pd.NaT
    raise ValueError(f"unknown extension type {code}")
