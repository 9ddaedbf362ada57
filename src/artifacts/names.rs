//! Rules for model names, versions, aliases and metadata, and version resolution.

use redb::ReadableTable;

use crate::envelope::Rec;
use crate::records::ArtifactRecord;
use crate::tables::ARTIFACT_ALIASES;
use crate::trades::{MAX_META_LEN, check_name};
use crate::{Error, Result};

pub(crate) const ARTIFACTS_NAME: &str = "artifacts";
/// The version word that always means the highest semantic version.
pub const LATEST: &str = "latest";

/// Checks a model, alias, experiment or metric name: not empty, at most 128 bytes, no control
/// characters or surrounding space, and no `@` (it separates name and version).
pub(crate) fn check_ident(field: &str, name: &str) -> Result<()> {
    check_name(field, name, true)?;
    if name.contains('@') {
        return Err(Error::validation(field, format!("{name:?} must not contain '@'")));
    }
    Ok(())
}

/// Parses a semantic version (`MAJOR.MINOR.PATCH[-pre][+build]`).
pub(crate) fn parse_version(v: &str) -> Result<semver::Version> {
    semver::Version::parse(v).map_err(|e| {
        Error::validation(
            "version",
            format!("{v:?} is not a semantic version such as 1.2.0 ({e})"),
        )
    })
}

/// Checks an alias: a name that is neither `latest` nor a version.
pub(crate) fn check_alias(alias: &str) -> Result<()> {
    check_ident("alias", alias)?;
    if alias == LATEST || semver::Version::parse(alias).is_ok() {
        return Err(Error::validation(
            "alias",
            format!("{alias:?} is reserved (`latest` or a version)"),
        ));
    }
    Ok(())
}

/// Checks metadata: valid JSON of at most 64 KiB.
pub(crate) fn check_metadata(meta: Option<&str>) -> Result<()> {
    if let Some(m) = meta {
        if m.len() > MAX_META_LEN {
            return Err(Error::validation(
                "metadata",
                format!("{} bytes, larger than {MAX_META_LEN}", m.len()),
            ));
        }
        serde_json::from_str::<serde::de::IgnoredAny>(m)
            .map_err(|e| Error::validation("metadata", format!("not valid JSON: {e}")))?;
    }
    Ok(())
}

/// The key range of one model's versions in the artifact table.
pub(crate) fn name_range(name: &str) -> (String, String) {
    (name.to_owned(), format!("{name}\u{0}"))
}

/// Every artifact name in the registry, in key order, once each.
pub(crate) fn all_names<T>(table: &T) -> Result<Vec<String>>
where
    T: ReadableTable<(&'static str, &'static str), Rec<ArtifactRecord>>,
{
    let mut names: Vec<String> = Vec::new();
    for row in table.iter()? {
        let (k, _) = row?;
        let name = k.value().0;
        if names.last().is_none_or(|n| n != name) {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

/// Every version of `name`, in ascending semantic-version order.
pub(crate) fn versions<T>(table: &T, name: &str) -> Result<Vec<ArtifactRecord>>
where
    T: ReadableTable<(&'static str, &'static str), Rec<ArtifactRecord>>,
{
    let (lo, hi) = name_range(name);
    let mut out = Vec::new();
    for row in table.range((lo.as_str(), "")..(hi.as_str(), ""))? {
        let (k, v) = row?;
        let (n, ver) = k.value();
        out.push(v.value().decode(ARTIFACTS_NAME, &format_args!("{n}@{ver}"))?);
    }
    sort_semver(&mut out);
    Ok(out)
}

/// Sorts records of one name by semantic version (unparsable versions first).
pub(crate) fn sort_semver(records: &mut [ArtifactRecord]) {
    records.sort_by_cached_key(|r| semver::Version::parse(&r.version).ok());
}

/// Resolves `spec` (`None`/`latest`, a version, or an alias) to a stored version of `name`.
pub(crate) fn resolve<T, A>(table: &T, aliases: &A, name: &str, spec: Option<&str>) -> Result<ArtifactRecord>
where
    T: ReadableTable<(&'static str, &'static str), Rec<ArtifactRecord>>,
    A: ReadableTable<(&'static str, &'static str), &'static str>,
{
    let missing = |what: String| Error::NotFound(format!("model {what}"));
    let version = match spec {
        None | Some(LATEST) => {
            return versions(table, name)?
                .pop()
                .ok_or_else(|| missing(format!("{name} (no version stored)")));
        }
        Some(v) if semver::Version::parse(v).is_ok() => v.to_owned(),
        Some(alias) => aliases
            .get((name, alias))?
            .map(|g| g.value().to_owned())
            .ok_or_else(|| missing(format!("{name}@{alias} (no such version or alias)")))?,
    };
    let rec = table
        .get((name, version.as_str()))?
        .ok_or_else(|| missing(format!("{name}@{version}")))?;
    rec.value().decode(ARTIFACTS_NAME, &format_args!("{name}@{version}"))
}

/// Splits `name@spec` (spec optional).
pub(crate) fn split_ref(reference: &str) -> (&str, Option<&str>) {
    match reference.split_once('@') {
        Some((n, s)) => (n, Some(s)),
        None => (reference, None),
    }
}

/// Every alias of `name` with the version it points at.
pub(crate) fn aliases_of<A>(aliases: &A, name: &str) -> Result<Vec<(String, String)>>
where
    A: ReadableTable<(&'static str, &'static str), &'static str>,
{
    let (lo, hi) = name_range(name);
    let mut out = Vec::new();
    for row in aliases.range((lo.as_str(), "")..(hi.as_str(), ""))? {
        let (k, v) = row?;
        out.push((k.value().1.to_owned(), v.value().to_owned()));
    }
    Ok(out)
}

/// Opens the alias table of a read transaction (helper for the generic functions above).
pub(crate) fn open_aliases(
    rtx: &redb::ReadTransaction,
) -> Result<redb::ReadOnlyTable<(&'static str, &'static str), &'static str>> {
    Ok(rtx.open_table(ARTIFACT_ALIASES)?)
}
