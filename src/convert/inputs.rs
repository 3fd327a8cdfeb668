//! The inputs read as the template says: which input is the schedule, the columns the
//! template names (for header detection), encoding, delimiter and header row.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The columns a template names for one input, for header detection.
pub(super) fn header_spec(
    spec: &InputSpec,
    columns: Vec<String>,
    cli_header_row: Option<usize>,
) -> HeaderSpec {
    let mut named = Vec::new();
    let mut patterns = Vec::new();
    for c in columns {
        match c.split_once("{n}") {
            Some((p, s)) => patterns.push((p.to_string(), s.to_string())),
            None => named.push(c),
        }
    }
    HeaderSpec {
        header_row: cli_header_row.or(spec.header_row),
        header_rows: spec.header_rows.unwrap_or(1),
        columns: named,
        patterns,
    }
}

pub(super) fn columns_of<'a>(
    sections: impl Iterator<Item = &'a BTreeMap<String, FieldSource>>,
) -> Vec<String> {
    sections
        .flat_map(|s| s.values().filter_map(|f| f.0.column.clone()))
        .collect()
}

pub(super) fn read_options(spec: &InputSpec, args: &ConvertArgs) -> Result<ReadOptions, Error> {
    let delimiter = match args.delimiter.as_deref().or(spec.delimiter.as_deref()) {
        Some(d) => Some(delimiter_byte(d).map_err(Error::Usage)?),
        None => None,
    };
    Ok(ReadOptions {
        encoding: args.encoding.clone().or_else(|| spec.encoding.clone()),
        delimiter,
        sheet: spec.sheet.clone(),
    })
}

/// Reads the inputs as the template says: the last input is the schedule input when
/// the template has one and there are several inputs; with a single workbook, the
/// schedule is its sheet named in `[schedule_input]`.
pub(super) fn read_inputs(
    template: &Template,
    args: &ConvertArgs,
) -> Result<(Vec<Table>, Option<Table>), Error> {
    // The annotated workbook copies every row: then the inputs are loaded whole.
    let read_table = if args.annotate.is_some() {
        read::read_table
    } else {
        read::read_table_streamed
    };
    let mut refs: Vec<InputRef> = args.inputs.iter().map(|a| InputRef::parse(a)).collect();
    for r in &refs {
        r.check().map_err(Error::Read)?;
    }
    let keys = &template.keys;
    let mut main_columns =
        columns_of([&template.loan, &template.borrower, &template.terms].into_iter());
    main_columns.push(keys.loan.clone());
    main_columns.extend(
        keys.group
            .iter()
            .flat_map(|g| g.columns().map(str::to_string)),
    );
    main_columns.extend(keys.borrower.clone());
    let schedule_ref = match &template.schedule_input {
        None => {
            main_columns.extend(columns_of(std::iter::once(&template.schedule)));
            None
        }
        Some(spec) if refs.len() > 1 => {
            let _ = spec;
            refs.pop()
        }
        Some(spec) => {
            let only = &refs[0];
            if !only.is_workbook() || spec.sheet.is_none() {
                return Err(Error::Usage(
                    "this template reads the schedule from a second input: give the loans file and the schedule file (or a workbook whose schedule sheet the template names in [schedule_input] sheet)".into(),
                ));
            }
            Some(InputRef {
                path: only.path.clone(),
                sheet: None,
            })
        }
    };
    let main_spec = header_spec(&template.input, main_columns, args.header_row);
    let options = read_options(&template.input, args)?;
    let main = refs
        .iter()
        .map(|r| read_table(r, &options, &main_spec).map_err(Error::Read))
        .collect::<Result<Vec<_>, _>>()?;
    let schedule = match (schedule_ref, &template.schedule_input) {
        (Some(r), Some(spec)) => {
            let mut columns = columns_of(std::iter::once(&template.schedule));
            columns.extend(spec.key.clone());
            let hs = header_spec(spec, columns, None);
            let options = read_options(spec, args)?;
            Some(read_table(&r, &options, &hs).map_err(Error::Read)?)
        }
        _ => None,
    };
    Ok((main, schedule))
}
