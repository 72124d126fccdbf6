//! CSV loading with guards that name file, line, row and column.
//!
//! A data file is CSV with a header line. One column (by default `label`) is
//! the target: integer class labels (`i64`). Every other column is a feature.
//! Fields are trimmed of surrounding whitespace; blank lines are skipped.
//!
//! # Number conversion
//!
//! Feature values are parsed as `f64` (Rust's correctly rounded parser) and
//! then converted with `as f32`, which rounds to the nearest `f32` (ties to
//! even). This is the same value a user gets by writing the number as an
//! `f32` literal, and the same conversion every consumer of the model must
//! apply to its inputs. A finite value whose rounding overflows `f32` is
//! rejected ([`DataError::OutOfRange`]); values that round to zero or to a
//! subnormal are kept as they round.
//!
//! Line numbers in errors are 1-based file lines (the header is line 1);
//! row numbers are 1-based data rows (the first row after the header is
//! row 1).

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A labelled data set read from a CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Names of the feature columns, in file order (target column removed).
    pub feature_names: Vec<String>,
    /// Feature values, one row per data line, one value per feature.
    pub rows: Vec<Vec<f32>>,
    /// The label of each row.
    pub labels: Vec<i64>,
    /// SHA-256 of the file's bytes.
    pub sha256: [u8; 32],
}

impl Dataset {
    /// The distinct labels, ascending (the class order of a model).
    #[must_use]
    pub fn classes(&self) -> Vec<i64> {
        let mut c = self.labels.clone();
        c.sort_unstable();
        c.dedup();
        c
    }

    /// The rows at `indices`, in that order (same names and fingerprint).
    #[must_use]
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        Dataset {
            feature_names: self.feature_names.clone(),
            rows: indices.iter().map(|&i| self.rows[i].clone()).collect(),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            sha256: self.sha256,
        }
    }
}

/// Why a data file could not be used. Each variant's message names the file
/// and, where it applies, the line, row and column.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What happened.
        source: std::io::Error,
    },
    /// The CSV itself is malformed (e.g. invalid UTF-8).
    #[error("{}:{line}: malformed CSV: {message}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based file line (0 when unknown).
        line: u64,
        /// The parser's message.
        message: String,
    },
    /// The file has no header line.
    #[error("{}: empty file (expected a header line)", path.display())]
    NoHeader {
        /// The file.
        path: PathBuf,
    },
    /// Two header columns have the same name.
    #[error("{}:1: duplicate column \"{column}\" in the header", path.display())]
    DuplicateColumn {
        /// The file.
        path: PathBuf,
        /// The repeated name.
        column: String,
    },
    /// The target column is not in the header.
    #[error("{}:1: no target column \"{target}\" in the header (columns: {})", path.display(), columns.join(", "))]
    MissingTarget {
        /// The file.
        path: PathBuf,
        /// The target column looked for.
        target: String,
        /// The header's columns.
        columns: Vec<String>,
    },
    /// A feature column the model needs is not in the header.
    #[error("{}:1: no column \"{column}\" in the header (the model needs features: {})", path.display(), expected.join(", "))]
    MissingFeature {
        /// The file.
        path: PathBuf,
        /// The missing column.
        column: String,
        /// All feature names the model needs.
        expected: Vec<String>,
    },
    /// The header has no feature column besides the target.
    #[error("{}:1: no feature columns (only the target column \"{target}\")", path.display())]
    NoFeatures {
        /// The file.
        path: PathBuf,
        /// The target column.
        target: String,
    },
    /// A row has fewer or more fields than the header.
    #[error("{}:{line}: row {row}: {found} fields, expected {expected} ({detail})", path.display())]
    RaggedRow {
        /// The file.
        path: PathBuf,
        /// 1-based file line.
        line: u64,
        /// 1-based data row.
        row: u64,
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
        /// Which column is missing, or what is extra.
        detail: String,
    },
    /// A field is empty.
    #[error("{}:{line}: row {row}, column \"{column}\": empty value", path.display())]
    EmptyValue {
        /// The file.
        path: PathBuf,
        /// 1-based file line.
        line: u64,
        /// 1-based data row.
        row: u64,
        /// The column.
        column: String,
    },
    /// A feature value is not a number.
    #[error("{}:{line}: row {row}, column \"{column}\": \"{value}\" is not a number", path.display())]
    NotANumber {
        /// The file.
        path: PathBuf,
        /// 1-based file line.
        line: u64,
        /// 1-based data row.
        row: u64,
        /// The column.
        column: String,
        /// The field as written.
        value: String,
    },
    /// A feature value is NaN or infinite.
    #[error("{}:{line}: row {row}, column \"{column}\": \"{value}\" is not finite (NaN and infinity are not allowed)", path.display())]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// 1-based file line.
        line: u64,
        /// 1-based data row.
        row: u64,
        /// The column.
        column: String,
        /// The field as written.
        value: String,
    },
    /// A finite feature value overflows `f32`.
    #[error("{}:{line}: row {row}, column \"{column}\": \"{value}\" is out of f32 range (largest magnitude is 3.4028235e38)", path.display())]
    OutOfRange {
        /// The file.
        path: PathBuf,
        /// 1-based file line.
        line: u64,
        /// 1-based data row.
        row: u64,
        /// The column.
        column: String,
        /// The field as written.
        value: String,
    },
    /// A label is not an integer.
    #[error("{}:{line}: row {row}, column \"{column}\": label \"{value}\" is not an integer", path.display())]
    BadLabel {
        /// The file.
        path: PathBuf,
        /// 1-based file line.
        line: u64,
        /// 1-based data row.
        row: u64,
        /// The target column.
        column: String,
        /// The field as written.
        value: String,
    },
    /// The file has a header but no data rows.
    #[error("{}: no data rows after the header", path.display())]
    NoRows {
        /// The file.
        path: PathBuf,
    },
    /// Every row has the same label: nothing to learn.
    #[error("{}: column \"{column}\": every row has label {label}; training needs at least two classes", path.display())]
    SingleClass {
        /// The file.
        path: PathBuf,
        /// The target column.
        column: String,
        /// The only label.
        label: i64,
    },
}

struct Cell<'a> {
    path: &'a Path,
    line: u64,
    row: u64,
    column: &'a str,
}

impl Cell<'_> {
    fn feature(&self, field: &str) -> Result<f32, DataError> {
        let (path, line, row, column) = (
            self.path.to_owned(),
            self.line,
            self.row,
            self.column.to_owned(),
        );
        if field.is_empty() {
            return Err(DataError::EmptyValue {
                path,
                line,
                row,
                column,
            });
        }
        let value = field.to_owned();
        let Ok(v) = field.parse::<f64>() else {
            return Err(DataError::NotANumber {
                path,
                line,
                row,
                column,
                value,
            });
        };
        if !v.is_finite() {
            return Err(DataError::NonFinite {
                path,
                line,
                row,
                column,
                value,
            });
        }
        // Round to nearest: the documented conversion.
        #[allow(clippy::cast_possible_truncation)]
        let x = v as f32;
        if x.is_infinite() {
            return Err(DataError::OutOfRange {
                path,
                line,
                row,
                column,
                value,
            });
        }
        Ok(x)
    }

    fn label(&self, field: &str) -> Result<i64, DataError> {
        if field.is_empty() {
            return Err(DataError::EmptyValue {
                path: self.path.to_owned(),
                line: self.line,
                row: self.row,
                column: self.column.to_owned(),
            });
        }
        field.parse::<i64>().map_err(|_| DataError::BadLabel {
            path: self.path.to_owned(),
            line: self.line,
            row: self.row,
            column: self.column.to_owned(),
            value: field.to_owned(),
        })
    }
}

/// A parsed file: header, the records with their line numbers, the hash.
struct Raw {
    header: Vec<String>,
    records: Vec<(u64, csv::StringRecord)>,
    sha256: [u8; 32],
}

fn read_raw(path: &Path) -> Result<Raw, DataError> {
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_owned(),
        source,
    })?;
    let sha256: [u8; 32] = Sha256::digest(&bytes).into();
    let csv_err = |e: csv::Error| DataError::Csv {
        path: path.to_owned(),
        line: e.position().map_or(0, csv::Position::line),
        message: e.to_string(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    let mut records = reader.records();
    let header = match records.next() {
        None => {
            return Err(DataError::NoHeader {
                path: path.to_owned(),
            });
        }
        Some(h) => h.map_err(csv_err)?,
    };
    let header: Vec<String> = header.iter().map(str::to_owned).collect();
    let mut seen = std::collections::HashSet::new();
    for name in &header {
        if !seen.insert(name.as_str()) {
            return Err(DataError::DuplicateColumn {
                path: path.to_owned(),
                column: name.clone(),
            });
        }
    }
    // csv's own line numbers count skipped blank lines into the next record,
    // so count newlines up to each record's first byte instead.
    let mut counted = (0usize, 1u64); // (byte offset, line at that offset)
    let mut out = Vec::new();
    for record in records {
        let record = record.map_err(csv_err)?;
        let mut start = record
            .position()
            .map_or(counted.0, |p| {
                usize::try_from(p.byte()).unwrap_or(usize::MAX)
            })
            .clamp(counted.0, bytes.len());
        while matches!(bytes.get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        let newlines = bytes[counted.0..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        counted = (start, counted.1 + newlines as u64);
        out.push((counted.1, record));
    }
    Ok(Raw {
        header,
        records: out,
        sha256,
    })
}

fn check_width(
    path: &Path,
    header: &[String],
    line: u64,
    row: u64,
    record: &csv::StringRecord,
) -> Result<(), DataError> {
    let (expected, found) = (header.len(), record.len());
    if expected == found {
        return Ok(());
    }
    let detail = if found < expected {
        format!("missing column \"{}\"", header[found])
    } else {
        format!(
            "{} extra after the last column \"{}\"",
            found - expected,
            header[expected - 1]
        )
    };
    Err(DataError::RaggedRow {
        path: path.to_owned(),
        line,
        row,
        expected,
        found,
        detail,
    })
}

/// Loads a labelled data set: `target` is the label column, every other
/// column is a feature.
///
/// # Errors
///
/// A [`DataError`] naming file, line, row and column: unreadable file,
/// malformed CSV, missing target column, no feature column, ragged row,
/// empty value, non-numeric value, NaN/±∞, a value out of `f32` range, a
/// non-integer label, or no data rows. A single class is *not* checked here
/// (see [`check_classes`]), so the function also loads test sets.
pub fn load_csv(path: &Path, target: &str) -> Result<Dataset, DataError> {
    let raw = read_raw(path)?;
    let Some(target_idx) = raw.header.iter().position(|c| c == target) else {
        return Err(DataError::MissingTarget {
            path: path.to_owned(),
            target: target.to_owned(),
            columns: raw.header,
        });
    };
    let feature_cols: Vec<usize> = (0..raw.header.len()).filter(|&i| i != target_idx).collect();
    if feature_cols.is_empty() {
        return Err(DataError::NoFeatures {
            path: path.to_owned(),
            target: target.to_owned(),
        });
    }
    let mut rows = Vec::with_capacity(raw.records.len());
    let mut labels = Vec::with_capacity(raw.records.len());
    for (i, (line, record)) in raw.records.iter().enumerate() {
        let row = i as u64 + 1;
        check_width(path, &raw.header, *line, row, record)?;
        let cell = |c: usize| Cell {
            path,
            line: *line,
            row,
            column: &raw.header[c],
        };
        let mut values = Vec::with_capacity(feature_cols.len());
        for &c in &feature_cols {
            values.push(cell(c).feature(&record[c])?);
        }
        labels.push(cell(target_idx).label(&record[target_idx])?);
        rows.push(values);
    }
    if rows.is_empty() {
        return Err(DataError::NoRows {
            path: path.to_owned(),
        });
    }
    Ok(Dataset {
        feature_names: feature_cols
            .iter()
            .map(|&c| raw.header[c].clone())
            .collect(),
        rows,
        labels,
        sha256: raw.sha256,
    })
}

/// Checks that a training set has at least two classes.
///
/// # Errors
///
/// [`DataError::SingleClass`] naming the file, the target column and the
/// only label.
pub fn check_classes(data: &Dataset, path: &Path, target: &str) -> Result<(), DataError> {
    match data.classes().as_slice() {
        [label] => Err(DataError::SingleClass {
            path: path.to_owned(),
            column: target.to_owned(),
            label: *label,
        }),
        _ => Ok(()),
    }
}

/// Loads feature rows for prediction: the columns named
/// `expected_feature_names` are read, in that order, wherever they are in the
/// file. A `target` column, if present, is ignored, as are other extra
/// columns.
///
/// # Errors
///
/// As [`load_csv`], plus [`DataError::MissingFeature`] when the header lacks
/// a feature the model needs.
pub fn load_features_csv(
    path: &Path,
    expected_feature_names: &[String],
    target: &str,
) -> Result<Vec<Vec<f32>>, DataError> {
    let raw = read_raw(path)?;
    let mut cols = Vec::with_capacity(expected_feature_names.len());
    // Columns are matched by name, so a target column is simply not read
    // (unless the model has a feature of that name).
    let _ = target;
    for name in expected_feature_names {
        match raw.header.iter().position(|c| c == name) {
            Some(c) => cols.push(c),
            None => {
                return Err(DataError::MissingFeature {
                    path: path.to_owned(),
                    column: name.clone(),
                    expected: expected_feature_names.to_vec(),
                });
            }
        }
    }
    let mut rows = Vec::with_capacity(raw.records.len());
    for (i, (line, record)) in raw.records.iter().enumerate() {
        let row = i as u64 + 1;
        check_width(path, &raw.header, *line, row, record)?;
        let mut values = Vec::with_capacity(cols.len());
        for &c in &cols {
            let cell = Cell {
                path,
                line: *line,
                row,
                column: &raw.header[c],
            };
            values.push(cell.feature(&record[c])?);
        }
        rows.push(values);
    }
    if rows.is_empty() {
        return Err(DataError::NoRows {
            path: path.to_owned(),
        });
    }
    Ok(rows)
}
