//! One cell of an Arrow column as a number, text or JSON: what the analytics read from query
//! results, and how analysts' SQL results are sent.

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type};

pub(crate) fn f64_at(c: &ArrayRef, i: usize) -> f64 {
    if c.is_null(i) {
        return 0.0;
    }
    match c.data_type() {
        DataType::Float64 => c.as_primitive::<Float64Type>().value(i),
        DataType::Int64 => c.as_primitive::<Int64Type>().value(i) as f64,
        DataType::Int32 => c.as_primitive::<Int32Type>().value(i) as f64,
        _ => f64::NAN,
    }
}

pub(crate) fn str_at(c: &ArrayRef, i: usize) -> String {
    if c.is_null(i) {
        return String::new();
    }
    match c.data_type() {
        DataType::Utf8 => c.as_string::<i32>().value(i).to_string(),
        DataType::Utf8View => c.as_string_view().value(i).to_string(),
        DataType::LargeUtf8 => c.as_string::<i64>().value(i).to_string(),
        _ => datafusion::arrow::util::display::array_value_to_string(c, i).unwrap_or_default(),
    }
}

/// One cell as JSON: numbers as numbers, everything else as text.
pub fn json_value(c: &ArrayRef, i: usize) -> serde_json::Value {
    use serde_json::Value;
    if c.is_null(i) {
        return Value::Null;
    }
    match c.data_type() {
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
            datafusion::arrow::compute::cast(&c.slice(i, 1), &DataType::Int64)
                .ok()
                .map(|a| Value::from(a.as_primitive::<Int64Type>().value(0)))
                .unwrap_or(Value::Null)
        }
        DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(_, _) => {
            datafusion::arrow::compute::cast(&c.slice(i, 1), &DataType::Float64)
                .ok()
                .and_then(|a| {
                    serde_json::Number::from_f64(a.as_primitive::<Float64Type>().value(0))
                })
                .map(Value::Number)
                .unwrap_or(Value::Null)
        }
        DataType::Boolean => Value::Bool(c.as_boolean().value(i)),
        _ => Value::String(str_at(c, i)),
    }
}
