//! Workspace maintenance tasks, run as `cargo xtask TASK`.
//!
//! `codegen` regenerates the checked-in bindings of the workspace's schemas with
//! `ovsdb-codegen`: `ovn-nb`, `ovn-sb`, `ovs-vswitchd-schema` and the `_Server` database in
//! `ovsdb-client`. `codegen --check` only compares, and fails when a generated file differs, is
//! missing, or is left over from a table that no longer exists. The test `codegen_is_fresh` runs
//! the check in CI.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use ovsdb_codegen::{CodegenError, Options, SchemaSource};

/// One generated module: a schema file inside a crate and the directory generated from it.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The crate's directory, relative to the workspace root.
    pub crate_dir: &'static str,
    /// The schema file's name, in `<crate_dir>/schema/` and in `testdata/schemas/`.
    pub schema_file: &'static str,
}

impl Target {
    /// The schema path relative to the workspace root.
    pub fn schema_path(&self) -> String {
        format!("{}/schema/{}", self.crate_dir, self.schema_file)
    }

    /// The output directory relative to the workspace root.
    pub fn out_dir(&self) -> String {
        format!("{}/src/generated", self.crate_dir)
    }
}

/// The workspace's generated modules.
pub const TARGETS: &[Target] = &[
    Target {
        crate_dir: "ovn-nb",
        schema_file: "ovn-nb.ovsschema",
    },
    Target {
        crate_dir: "ovn-sb",
        schema_file: "ovn-sb.ovsschema",
    },
    Target {
        crate_dir: "ovs-vswitchd-schema",
        schema_file: "vswitch.ovsschema",
    },
    Target {
        crate_dir: "ovsdb-client",
        schema_file: "_server.ovsschema",
    },
];

/// What `codegen` does with the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write every file that differs; delete leftovers.
    Write,
    /// Change nothing; report what differs.
    Check,
}

/// A failed task.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XtaskError {
    /// A file could not be read, written or deleted.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        #[source]
        source: io::Error,
    },
    /// The generator rejected a schema.
    #[error("{schema}: {source}")]
    Codegen {
        /// The schema file.
        schema: String,
        /// The failure.
        #[source]
        source: Box<CodegenError>,
    },
}

/// What `codegen` found (and, in [`Mode::Write`], fixed).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Files written or checked.
    pub files: usize,
    /// Files that differed from the generator's output or were missing, relative to the root.
    pub stale: Vec<String>,
    /// Files in a generated directory that the generator no longer produces.
    pub leftover: Vec<String>,
}

impl Report {
    /// Whether everything was already up to date.
    pub fn is_fresh(&self) -> bool {
        self.stale.is_empty() && self.leftover.is_empty()
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> XtaskError + '_ {
    move |source| XtaskError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Generates `target` in memory: the files of its output directory, by file name.
///
/// # Errors
/// [`XtaskError::Io`] if the schema cannot be read; [`XtaskError::Codegen`] if it is rejected.
pub fn generate_target(
    root: &Path,
    target: &Target,
) -> Result<Vec<ovsdb_codegen::GeneratedFile>, XtaskError> {
    let schema_path = root.join(target.schema_path());
    let text = fs::read_to_string(&schema_path).map_err(io_err(&schema_path))?;
    let options = Options::new(target.schema_path())
        .schema_source(SchemaSource::Include(format!(
            "../../schema/{}",
            target.schema_file
        )))
        .regenerate_hint("run `cargo xtask codegen`");
    ovsdb_codegen::generate(&text, &options).map_err(|source| XtaskError::Codegen {
        schema: target.schema_path(),
        source: Box::new(source),
    })
}

/// Regenerates (or checks) every target under `root`.
///
/// # Errors
/// [`XtaskError`] if a schema cannot be read or generated, or a file cannot be written.
pub fn codegen(root: &Path, mode: Mode) -> Result<Report, XtaskError> {
    let mut report = Report::default();
    for target in TARGETS {
        let out_dir = root.join(target.out_dir());
        let files = generate_target(root, target)?;
        let wanted: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
        for f in &files {
            report.files += 1;
            let path = out_dir.join(&f.path);
            let current = match fs::read_to_string(&path) {
                Ok(text) => Some(text),
                Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                Err(e) => return Err(io_err(&path)(e)),
            };
            if current.as_deref() != Some(f.contents.as_str()) {
                report.stale.push(format!("{}/{}", target.out_dir(), f.path));
                if mode == Mode::Write {
                    fs::create_dir_all(&out_dir).map_err(io_err(&out_dir))?;
                    fs::write(&path, &f.contents).map_err(io_err(&path))?;
                }
            }
        }
        let entries = match fs::read_dir(&out_dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_err(&out_dir)(e)),
        };
        let mut leftovers = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_err(&out_dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !wanted.contains(name.as_str()) {
                leftovers.push((name, entry.path()));
            }
        }
        leftovers.sort();
        for (name, path) in leftovers {
            report.leftover.push(format!("{}/{name}", target.out_dir()));
            if mode == Mode::Write {
                fs::remove_file(&path).map_err(io_err(&path))?;
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CI runs this: the checked-in generated code must be what the generator produces now.
    /// Locally a stale tree is rewritten, and the test still fails so that nobody commits stale
    /// output by accident.
    #[test]
    fn codegen_is_fresh() {
        let root = workspace_root();
        let in_ci = std::env::var_os("CI").is_some();
        let mode = if in_ci { Mode::Check } else { Mode::Write };
        let report = codegen(&root, mode).unwrap();
        assert!(report.files > 80, "only {} files generated", report.files);
        assert!(
            report.is_fresh(),
            "generated code is stale: {:?} differ, {:?} are left over; run `cargo xtask codegen` and commit{}",
            report.stale,
            report.leftover,
            if in_ci { "" } else { " (rewritten now)" }
        );
    }

    /// Each crate's schema is a byte-identical copy of the one in testdata/schemas (whose
    /// provenance testdata/README.md records).
    #[test]
    fn crate_schemas_match_testdata() {
        let root = workspace_root();
        for target in TARGETS {
            let in_crate = fs::read(root.join(target.schema_path())).unwrap();
            let in_testdata = fs::read(root.join("testdata/schemas").join(target.schema_file)).unwrap();
            assert!(
                in_crate == in_testdata,
                "{} differs from testdata/schemas/{}",
                target.schema_path(),
                target.schema_file
            );
        }
    }

    /// The table counts the issue fixes: 30 NB, 34 SB, 19 Open_vSwitch, 1 _Server.
    #[test]
    fn table_counts() {
        let root = workspace_root();
        for (target, tables) in TARGETS.iter().zip([30, 34, 19, 1]) {
            let files = generate_target(&root, target).unwrap();
            assert_eq!(
                files.len(),
                tables + 1,
                "{}: one file per table plus mod.rs",
                target.crate_dir
            );
        }
    }

    #[test]
    fn check_reports_stale_and_leftover_files_without_writing() {
        let dir = std::env::temp_dir().join(format!("xtask-check-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let root = workspace_root();
        for target in TARGETS {
            let schema = dir.join(target.schema_path());
            fs::create_dir_all(schema.parent().unwrap()).unwrap();
            fs::copy(root.join(target.schema_path()), &schema).unwrap();
        }
        // Nothing generated yet: everything is stale, and check mode writes nothing.
        let report = codegen(&dir, Mode::Check).unwrap();
        assert_eq!(report.stale.len(), report.files);
        assert!(!dir.join(TARGETS[0].out_dir()).exists());
        // Write, then the tree is fresh.
        codegen(&dir, Mode::Write).unwrap();
        assert!(codegen(&dir, Mode::Check).unwrap().is_fresh());
        // An edited file and a leftover are both reported, then fixed by a write.
        let acl = dir.join("ovn-nb/src/generated/acl.rs");
        fs::write(&acl, "// edited\n").unwrap();
        fs::write(dir.join("ovn-nb/src/generated/gone.rs"), "").unwrap();
        let report = codegen(&dir, Mode::Check).unwrap();
        assert_eq!(report.stale, ["ovn-nb/src/generated/acl.rs"]);
        assert_eq!(report.leftover, ["ovn-nb/src/generated/gone.rs"]);
        codegen(&dir, Mode::Write).unwrap();
        assert!(codegen(&dir, Mode::Check).unwrap().is_fresh());
        assert!(!dir.join("ovn-nb/src/generated/gone.rs").exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
