//! How schema names become Rust names.
//!
//! The mechanical rules:
//! - table `Logical_Switch_Port` → struct `LogicalSwitchPort`; an all-capitals word counts as one
//!   word (`ACL` → `Acl`, `NB_Global` → `NbGlobal`); a mixed-case word keeps its case after its
//!   first letter (`Open_vSwitch` → `OpenVSwitch`, `sFlow` → `SFlow`);
//! - table → module and file: the name in lower case (`logical_switch_port.rs`);
//! - column → field: the name, in snake case if it is not already; Rust keywords get a trailing
//!   underscore (`type_`, `match_`);
//! - column → constant: the field name in capitals, without the keyword underscore (`TYPE`);
//! - enum → `{Struct}{Column}` (`AclAction`); when both key and value of a map are enums,
//!   `{Struct}{Column}Key` and `{Struct}{Column}Value`;
//! - enum value → variant: the words of the value joined in upper camel case (`from-lport` →
//!   `FromLport`, `dot1q-tunnel` → `Dot1qTunnel`); a leading digit gets a `V` prefix; an integer
//!   value `n` becomes `V{n}` (`VMinus{n}` when negative);
//! - database `OVN_Northbound` → marker type `OvnNorthboundDb`.
//!
//! [`TABLE_OVERRIDES`] is the only place where names depart from these rules.

/// Struct names that depart from the mechanical rule, by schema table name.
pub const TABLE_OVERRIDES: &[(&str, &str)] = &[
    // "QoS" is an acronym written in mixed case; the rule would keep it as "QoS". Acronyms are one
    // word in Rust names (`Acl`, `Dhcp`), so `Qos`.
    ("QoS", "Qos"),
    // "DHCPv6" is an acronym plus a version; the rule would keep "DHCPv6" as written.
    ("DHCPv6_Options", "Dhcpv6Options"),
];

/// Rust keywords (strict, reserved and weak ones that cannot be field names), edition 2024.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self", "static",
    "struct", "super", "trait", "true", "try", "type", "typeof", "union", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Whether `name` is a Rust keyword.
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Splits `name` into words at every character that is not an ASCII letter or digit.
fn words(name: &str) -> impl Iterator<Item = &str> {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// One word in upper camel case: an all-capitals word becomes `Xxxx`; a word with a lower-case
/// letter keeps its case after an upper-cased first letter.
fn camel_word(word: &str, out: &mut String) {
    let all_caps = !word.chars().any(|c| c.is_ascii_lowercase());
    for (i, c) in word.chars().enumerate() {
        if i == 0 {
            out.push(c.to_ascii_uppercase());
        } else if all_caps {
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
}

/// Upper camel case of `name` by the mechanical rule; empty if `name` has no letters or digits.
pub fn upper_camel(name: &str) -> String {
    let mut out = String::new();
    for w in words(name) {
        camel_word(w, &mut out);
    }
    out
}

/// The struct name for table `table`.
pub fn table_struct(table: &str) -> String {
    match TABLE_OVERRIDES.iter().find(|(t, _)| *t == table) {
        Some((_, name)) => (*name).to_owned(),
        None => upper_camel(table),
    }
}

/// The module (and file stem) for table `table`: lower case, keyword-escaped.
pub fn table_module(table: &str) -> String {
    escape_keyword(table.to_ascii_lowercase())
}

/// Snake case of an `<id>`: unchanged if it has no capitals, else words split before each
/// capital that follows a lower-case letter or digit, then lower-cased.
pub fn snake(name: &str) -> String {
    if !name.chars().any(|c| c.is_ascii_uppercase()) {
        return name.to_owned();
    }
    let mut out = String::new();
    let mut prev_lower_or_digit = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower_or_digit {
            out.push('_');
        }
        prev_lower_or_digit = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Appends `_` to a keyword.
pub fn escape_keyword(name: String) -> String {
    if is_keyword(&name) { name + "_" } else { name }
}

/// The field name for column `column`.
pub fn field(column: &str) -> String {
    escape_keyword(snake(column))
}

/// The constant name for column `column`.
pub fn column_const(column: &str) -> String {
    snake(column).to_ascii_uppercase()
}

/// The constant name for a unique index over `columns`.
pub fn index_const(columns: &[String]) -> String {
    let mut out = String::from("BY");
    for c in columns {
        out.push('_');
        out.push_str(&column_const(c));
    }
    out
}

/// The variant name for string enum value `value`.
pub fn string_variant(value: &str) -> String {
    let camel = upper_camel(value);
    match camel.chars().next() {
        None => "Empty".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("V{camel}"),
        Some(_) => camel,
    }
}

/// The variant name for integer enum value `value`.
pub fn integer_variant(value: i64) -> String {
    if value < 0 {
        format!("VMinus{}", value.unsigned_abs())
    } else {
        format!("V{value}")
    }
}

/// The marker type name for database `name`.
pub fn database_type(name: &str) -> String {
    upper_camel(name) + "Db"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables() {
        for (table, want) in [
            ("ACL", "Acl"),
            ("Logical_Switch_Port", "LogicalSwitchPort"),
            ("NB_Global", "NbGlobal"),
            ("Open_vSwitch", "OpenVSwitch"),
            ("sFlow", "SFlow"),
            ("IPFIX", "Ipfix"),
            ("NetFlow", "NetFlow"),
            ("QoS", "Qos"),
            ("DHCPv6_Options", "Dhcpv6Options"),
            ("DHCP_Options", "DhcpOptions"),
            ("HA_Chassis_Group", "HaChassisGroup"),
            ("Logical_DP_Group", "LogicalDpGroup"),
        ] {
            assert_eq!(table_struct(table), want, "{table}");
        }
        assert_eq!(table_module("Open_vSwitch"), "open_vswitch");
        assert_eq!(table_module("Type"), "type_");
    }

    #[test]
    fn fields_and_consts() {
        assert_eq!(field("type"), "type_");
        assert_eq!(field("match"), "match_");
        assert_eq!(field("external_ids"), "external_ids");
        assert_eq!(field("fooBar"), "foo_bar");
        assert_eq!(column_const("type"), "TYPE");
        assert_eq!(column_const("tunnel_key"), "TUNNEL_KEY");
        assert_eq!(
            index_const(&["datapath".into(), "tunnel_key".into()]),
            "BY_DATAPATH_TUNNEL_KEY"
        );
    }

    #[test]
    fn variants() {
        assert_eq!(string_variant("from-lport"), "FromLport");
        assert_eq!(string_variant("dot1q-tunnel"), "Dot1qTunnel");
        assert_eq!(string_variant("active-backup"), "ActiveBackup");
        assert_eq!(string_variant("admin_down"), "AdminDown");
        assert_eq!(string_variant("OpenFlow10"), "OpenFlow10");
        assert_eq!(string_variant("802.1q"), "V8021q");
        assert_eq!(string_variant(""), "Empty");
        assert_eq!(string_variant("GRE"), "Gre");
        assert_eq!(integer_variant(3), "V3");
        assert_eq!(integer_variant(-3), "VMinus3");
        assert_eq!(integer_variant(i64::MIN), "VMinus9223372036854775808");
    }

    #[test]
    fn databases() {
        assert_eq!(database_type("OVN_Northbound"), "OvnNorthboundDb");
        assert_eq!(database_type("OVN_Southbound"), "OvnSouthboundDb");
        assert_eq!(database_type("Open_vSwitch"), "OpenVSwitchDb");
        assert_eq!(database_type("_Server"), "ServerDb");
    }
}
