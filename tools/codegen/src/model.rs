//! The schema with every Rust name decided and every collision checked, ready to emit.

use std::collections::BTreeMap;

use ovsdb_proto::schema::{BaseType, ColumnSchema, DatabaseSchema, TableSchema};
use ovsdb_proto::{Atom, AtomicType};

use crate::CodegenError;
use crate::naming;

/// Names the generated table files import or rely on from the prelude; no generated type may
/// take one of them.
pub(crate) const RESERVED_TYPE_NAMES: &[&str] = &[
    "Column",
    "Default",
    "Err",
    "Map",
    "None",
    "Ok",
    "Option",
    "Real",
    "Ref",
    "Result",
    "Row",
    "RowError",
    "Set",
    "SmolStr",
    "Some",
    "String",
    "Table",
    "UniqueIndex",
    "Uuid",
];

/// Module names that would shadow a crate the generated code names in paths.
const RESERVED_MODULE_NAMES: &[&str] = &["alloc", "core", "ovsdb_proto", "std"];

/// Constants of the `Table` trait, which a column or index constant may not shadow.
const TABLE_TRAIT_CONSTS: &[&str] = &["TABLE_NAME", "IS_ROOT", "COLUMNS", "INDEXES"];

/// The name of the catch-all enum variant.
pub(crate) const UNKNOWN_VARIANT: &str = "Unknown";

/// A set of names in one Rust namespace, each with what it was generated for.
#[derive(Default)]
struct Namespace(BTreeMap<String, String>);

impl Namespace {
    fn claim(&mut self, what: &'static str, name: &str, origin: String) -> Result<(), CodegenError> {
        if name.is_empty() {
            return Err(CodegenError::EmptyName { origin });
        }
        if let Some(first) = self.0.get(name) {
            return Err(CodegenError::NameCollision {
                what,
                rust_name: name.to_owned(),
                first: first.clone(),
                second: origin,
            });
        }
        self.0.insert(name.to_owned(), origin);
        Ok(())
    }
}

/// How many values a column holds, which picks the Rust container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `min` 1, `max` 1: the value itself.
    Scalar,
    /// `min` 0, `max` 1: `Option`.
    Optional,
    /// Any other set: [`ovsdb_proto::Set`].
    Set,
    /// A map: [`ovsdb_proto::Map`].
    Map,
}

/// The Rust type of one atom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AtomKind {
    Integer,
    Real,
    Boolean,
    String,
    Uuid,
    /// A `uuid` with `refTable`: `Ref<target>`.
    Ref {
        /// The referenced table's struct.
        target: String,
    },
    /// An enum generated for this column; the index into the table's enums.
    Enum(usize),
}

impl AtomKind {
    /// Whether values of this kind are `Copy` in Rust.
    pub(crate) fn is_copy(&self, enums: &[EnumModel]) -> bool {
        match self {
            AtomKind::Integer | AtomKind::Real | AtomKind::Boolean | AtomKind::Uuid => true,
            AtomKind::String | AtomKind::Ref { .. } => false,
            AtomKind::Enum(i) => enums
                .get(*i)
                .is_some_and(|e| matches!(e.values, EnumValues::Integers(_))),
        }
    }
}

/// A key or value type with its Rust kind.
pub(crate) struct Base<'s> {
    pub(crate) schema: &'s BaseType,
    pub(crate) kind: AtomKind,
}

/// A default that is not the Rust type's own, because the type's default is out of range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum DefaultValue {
    Integer(i64),
    Real(f64),
}

pub(crate) struct ColumnModel<'s> {
    pub(crate) name: &'s str,
    pub(crate) schema: &'s ColumnSchema,
    pub(crate) field: String,
    pub(crate) konst: String,
    pub(crate) shape: Shape,
    pub(crate) key: Base<'s>,
    pub(crate) value: Option<Base<'s>>,
    pub(crate) default: Option<DefaultValue>,
}

impl ColumnModel<'_> {
    /// Whether the field's Rust type is `Copy`.
    pub(crate) fn is_copy(&self, enums: &[EnumModel]) -> bool {
        matches!(self.shape, Shape::Scalar | Shape::Optional) && self.key.kind.is_copy(enums)
    }
}

/// The values of a generated enum, sorted as ovsdb-server sorts atoms, with their variants.
pub(crate) enum EnumValues {
    Strings(Vec<(String, String)>),
    Integers(Vec<(i64, String)>),
}

pub(crate) struct EnumModel {
    pub(crate) name: String,
    /// `Table.column`, plus ` (map keys)` or ` (map values)` when a map has two enums.
    pub(crate) origin: String,
    pub(crate) values: EnumValues,
}

pub(crate) struct IndexModel {
    pub(crate) konst: String,
    /// Positions in the table's `columns`, in schema order.
    pub(crate) columns: Vec<usize>,
}

pub(crate) struct TableModel<'s> {
    pub(crate) name: &'s str,
    pub(crate) schema: &'s TableSchema,
    pub(crate) struct_name: String,
    pub(crate) module: String,
    pub(crate) columns: Vec<ColumnModel<'s>>,
    pub(crate) enums: Vec<EnumModel>,
    pub(crate) indexes: Vec<IndexModel>,
}

pub(crate) struct DbModel<'s> {
    pub(crate) schema: &'s DatabaseSchema,
    pub(crate) version: &'s str,
    pub(crate) db_type: String,
    pub(crate) tables: Vec<TableModel<'s>>,
}

fn shape_of(schema: &ColumnSchema) -> Shape {
    let t = &schema.type_;
    if t.is_map() {
        Shape::Map
    } else if t.is_scalar() {
        Shape::Scalar
    } else if t.is_optional() {
        Shape::Optional
    } else {
        Shape::Set
    }
}

/// The default for a scalar whose type default (0) is outside its range.
fn default_of(shape: Shape, key: &BaseType) -> Option<DefaultValue> {
    if shape != Shape::Scalar || key.enum_.is_some() {
        return None;
    }
    match key.atomic {
        AtomicType::Integer => {
            let min = key.min_integer.unwrap_or(i64::MIN);
            let max = key.max_integer.unwrap_or(i64::MAX);
            if min > 0 {
                Some(DefaultValue::Integer(min))
            } else if max < 0 {
                Some(DefaultValue::Integer(max))
            } else {
                None
            }
        }
        AtomicType::Real => match (key.min_real, key.max_real) {
            (Some(min), _) if min > 0.0 => Some(DefaultValue::Real(min)),
            (_, Some(max)) if max < 0.0 => Some(DefaultValue::Real(max)),
            _ => None,
        },
        _ => None,
    }
}

impl<'s> DbModel<'s> {
    /// Decides every name and checks that no two things get the same one.
    pub(crate) fn new(schema: &'s DatabaseSchema, db_type: Option<&str>) -> Result<Self, CodegenError> {
        let version = schema
            .version
            .as_deref()
            .ok_or_else(|| CodegenError::MissingVersion {
                db: schema.name.clone(),
            })?;
        let db_type = db_type.map_or_else(|| naming::database_type(&schema.name), str::to_owned);

        let mut types = Namespace::default();
        for reserved in RESERVED_TYPE_NAMES {
            types.claim(
                "type",
                reserved,
                format!("the generated code's use of `{reserved}`"),
            )?;
        }
        let mut modules = Namespace::default();
        for reserved in RESERVED_MODULE_NAMES {
            modules.claim("module", reserved, format!("the crate `{reserved}`"))?;
        }
        types.claim("type", &db_type, format!("database {}", schema.name))?;

        let struct_names: BTreeMap<&str, String> = schema
            .tables
            .keys()
            .map(|t| (t.as_str(), naming::table_struct(t)))
            .collect();

        let mut tables = Vec::new();
        for (table_name, table) in &schema.tables {
            let struct_name = struct_names.get(table_name.as_str()).cloned().unwrap_or_default();
            types.claim("type", &struct_name, format!("table {table_name}"))?;
            let module = naming::table_module(table_name);
            modules.claim("module", &module, format!("table {table_name}"))?;
            let model = TableModel::new(table_name, table, struct_name, module, &struct_names)?;
            for e in &model.enums {
                types.claim("type", &e.name, format!("enum of {}", e.origin))?;
            }
            tables.push(model);
        }
        Ok(DbModel {
            schema,
            version,
            db_type,
            tables,
        })
    }
}

impl<'s> TableModel<'s> {
    fn new(
        name: &'s str,
        schema: &'s TableSchema,
        struct_name: String,
        module: String,
        struct_names: &BTreeMap<&str, String>,
    ) -> Result<Self, CodegenError> {
        let mut fields = Namespace::default();
        let mut consts = Namespace::default();
        for c in TABLE_TRAIT_CONSTS {
            consts.claim("constant", c, format!("the Table trait's `{c}`"))?;
        }
        let mut columns = Vec::new();
        let mut enums = Vec::new();
        for (column_name, column) in &schema.columns {
            let origin = format!("column {name}.{column_name}");
            let field = naming::field(column_name);
            fields.claim("field", &field, origin.clone())?;
            let konst = naming::column_const(column_name);
            consts.claim("constant", &konst, origin)?;
            let shape = shape_of(column);
            let t = &column.type_;
            let two_enums = t.key.enum_.is_some() && t.value.as_ref().is_some_and(|v| v.enum_.is_some());
            let key_role = if two_enums { "Key" } else { "" };
            let key = Base {
                schema: &t.key,
                kind: atom_kind(
                    name,
                    &struct_name,
                    column_name,
                    key_role,
                    &t.key,
                    struct_names,
                    &mut enums,
                )?,
            };
            let value = match &t.value {
                None => None,
                Some(v) => {
                    let role = if two_enums { "Value" } else { "" };
                    Some(Base {
                        schema: v,
                        kind: atom_kind(name, &struct_name, column_name, role, v, struct_names, &mut enums)?,
                    })
                }
            };
            columns.push(ColumnModel {
                name: column_name,
                schema: column,
                field,
                konst,
                shape,
                default: default_of(shape, &t.key),
                key,
                value,
            });
        }
        let mut indexes = Vec::new();
        for index in &schema.indexes {
            let konst = naming::index_const(index);
            consts.claim("constant", &konst, format!("index {name}({})", index.join(", ")))?;
            let mut positions = Vec::new();
            for c in index {
                let pos = columns.iter().position(|m| m.name == c.as_str()).ok_or_else(|| {
                    CodegenError::UnknownIndexColumn {
                        table: name.to_owned(),
                        column: c.clone(),
                    }
                })?;
                positions.push(pos);
            }
            indexes.push(IndexModel {
                konst,
                columns: positions,
            });
        }
        Ok(TableModel {
            name,
            schema,
            struct_name,
            module,
            columns,
            enums,
            indexes,
        })
    }
}

/// The Rust kind of a base type, adding an enum to `enums` when the base type has one.
fn atom_kind(
    table: &str,
    struct_name: &str,
    column: &str,
    role: &str,
    base: &BaseType,
    struct_names: &BTreeMap<&str, String>,
    enums: &mut Vec<EnumModel>,
) -> Result<AtomKind, CodegenError> {
    if let Some(values) = &base.enum_ {
        let origin = match role {
            "Key" => format!("{table}.{column} (map keys)"),
            "Value" => format!("{table}.{column} (map values)"),
            _ => format!("{table}.{column}"),
        };
        let name = format!("{struct_name}{}{role}", naming::upper_camel(column));
        let mut variants = Namespace::default();
        variants.claim(
            "variant",
            UNKNOWN_VARIANT,
            format!("the catch-all variant of {origin}"),
        )?;
        let values = match base.atomic {
            AtomicType::String => {
                let mut out = Vec::new();
                for atom in values {
                    if let Atom::String(s) = atom {
                        let v = naming::string_variant(s);
                        variants.claim("variant", &v, format!("value {s:?} of {origin}"))?;
                        out.push((s.clone(), v));
                    }
                }
                Some(EnumValues::Strings(out))
            }
            AtomicType::Integer => {
                let mut out = Vec::new();
                for atom in values {
                    if let Atom::Integer(i) = atom {
                        let v = naming::integer_variant(*i);
                        variants.claim("variant", &v, format!("value {i} of {origin}"))?;
                        out.push((*i, v));
                    }
                }
                Some(EnumValues::Integers(out))
            }
            // Real, boolean and uuid enums keep their plain type; the doc lists the values.
            AtomicType::Real | AtomicType::Boolean | AtomicType::Uuid => None,
        };
        if let Some(values) = values {
            enums.push(EnumModel { name, origin, values });
            return Ok(AtomKind::Enum(enums.len() - 1));
        }
    }
    Ok(match base.atomic {
        AtomicType::Integer => AtomKind::Integer,
        AtomicType::Real => AtomKind::Real,
        AtomicType::Boolean => AtomKind::Boolean,
        AtomicType::String => AtomKind::String,
        AtomicType::Uuid => match base.ref_table() {
            None => AtomKind::Uuid,
            Some(target) => AtomKind::Ref {
                target: struct_names
                    .get(target)
                    .cloned()
                    .ok_or_else(|| CodegenError::UnknownRefTable {
                        table: table.to_owned(),
                        column: column.to_owned(),
                        ref_table: target.to_owned(),
                    })?,
            },
        },
    })
}
