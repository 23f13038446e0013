//! The database commands with every option, through ovs-vsctl: `--columns` spellings,
//! `--id=@name` and `--id=UUID`, `get --id`, `--if-exists`, `destroy --all`, `wait-until`,
//! `comment`, the warnings (a `create` without `--id`, rows nothing refers to), and errors.

use ovsdb_ctl::Tool;

use crate::diff::Pair;

#[test]
fn vsctl_database_commands_match_ovs_vsctl() {
    let mut p = Pair::new(Tool::Vsctl, "vsctl_database_commands_match_ovs_vsctl");
    let steps: &[&[&str]] = &[
        &["--no-wait", "add-br", "br0", "--", "add-port", "br0", "p1"],
        &["--columns=name,fail_mode", "list", "Bridge"],
        &["--columns", "name,tag", "list", "Port"],
        &["--", "--columns=name", "find", "Interface", "type=internal"],
        &["--", "--columns=name,type", "list", "Interface", "p1", "br0"],
        &["--", "--columns=nosuch", "list", "Interface"],
        &["list", "Interface", "nosuch"],
        &["--", "--if-exists", "list", "Interface", "nosuch", "p1"],
        &["--bare", "--columns=_uuid,name", "find", "Bridge", "name=br0"],
        &["get", "Bridge", "br0", "name", "_uuid", "fail_mode", "other_config"],
        &["get", "Bridge", "nosuch", "name"],
        &["--if-exists", "get", "Bridge", "nosuch", "name"],
        &["get", "Bridge", "br0", "other_config:x"],
        &["--if-exists", "get", "Bridge", "br0", "other_config:x"],
        &["get", "Bridge", "br0", "name:x"],
        &["--id=@b", "--if-exists", "get", "Bridge", "br0"],
        &["--no-wait", "--", "--id=@b", "get", "Bridge", "br0", "--", "create", "Mirror", "name=m0", "--", "add", "Bridge", "@b", "mirrors", "@m"],
        &["--no-wait", "--", "--id=@m", "create", "Mirror", "name=m1", "--", "--id=@b", "get", "Bridge", "br0", "--", "add", "Bridge", "@b", "mirrors", "@m"],
        &["--no-wait", "--", "--id=b", "get", "Bridge", "br0"],
        &["--no-wait", "--", "set", "Bridge", "br0", "other_config:a=@x", "--", "--id=@x", "get", "Bridge", "br0"],
        &["--no-wait", "--", "--id=@x", "get", "Bridge", "br0", "--", "--id=@x", "get", "Bridge", "br0"],
        // create: no --id (warns on a non-root table), --id=@name, --id=UUID, errors.
        &["--no-wait", "create", "Port", "name=lost"],
        &["--no-wait", "create", "QoS", "type=linux-htb"],
        &["--no-wait", "--", "--id=@q", "create", "Queue", "other_config:min-rate=1"],
        &["--no-wait", "--", "--id=@q", "create", "Queue", "dscp=1", "--", "create", "QoS", "type=linux-htb", "queues:0=@q"],
        &["--no-wait", "--", "--id=@s", "create", "sFlow", "targets=\"1.2.3.4:6343\"", "--", "set", "Bridge", "br0", "sflow=@s"],
        &["--no-wait", "--", "--id=@f", "create", "Flow_Table", "name=ft"],
        &["--no-wait", "--", "--id=@b", "create", "Bridge", "name=br9"],
        &["--no-wait", "--", "--id=4f4d6e0e-0000-4000-8000-000000000001", "create", "Flow_Table", "name=ft2"],
        &["list", "Flow_Table"],
        &["--no-wait", "--", "--id=x", "create", "Flow_Table", "name=ft3"],
        &["--no-wait", "--", "--id=@a", "create", "Flow_Table", "--", "--id=@a", "create", "Flow_Table"],
        &["--no-wait", "--", "set", "Bridge", "br0", "flow_tables:1=@nope"],
        &["--no-wait", "create", "Flow_Table"],
        &["--no-wait", "create", "Nosuch", "a=b"],
        &["--no-wait", "create", "Flow_Table", "nosuch=1"],
        &["--no-wait", "--", "--id", "create", "Flow_Table", "name=x"],
        // set / add / remove / clear with --if-exists.
        &["--no-wait", "set", "Bridge", "br0", "other_config:k=v", "external_ids={a=b, c=d}"],
        &["--no-wait", "--if-exists", "set", "Bridge", "nosuch", "other_config:k=v"],
        &["--no-wait", "set", "Bridge", "nosuch", "other_config:k=v"],
        &["--no-wait", "add", "Bridge", "br0", "flood_vlans", "1", "2,3"],
        &["--no-wait", "--if-exists", "add", "Bridge", "nosuch", "flood_vlans", "1"],
        &["--no-wait", "remove", "Bridge", "br0", "flood_vlans", "2"],
        &["--no-wait", "remove", "Bridge", "br0", "external_ids", "a", "c=x"],
        &["--no-wait", "--if-exists", "remove", "Bridge", "nosuch", "flood_vlans", "1"],
        &["--no-wait", "clear", "Bridge", "br0", "flood_vlans", "external_ids"],
        &["--no-wait", "--if-exists", "clear", "Bridge", "nosuch", "flood_vlans"],
        &["--no-wait", "clear", "Bridge", "br0", "name"],
        &["--no-wait", "set", "Bridge", "br0", "nosuch=1"],
        &["--no-wait", "set", "Bridge", "br0", "name"],
        // (sets of several uuids print in uuid order, which differs between the two servers)
        &["--columns=name,other_config,external_ids,flood_vlans", "list", "Bridge", "br0"],
        // destroy.
        &["--no-wait", "destroy", "Flow_Table"],
        &["--no-wait", "destroy", "Flow_Table", "ft"],
        &["--no-wait", "destroy", "Flow_Table", "nosuch"],
        &["--no-wait", "--if-exists", "destroy", "Flow_Table", "nosuch"],
        &["--no-wait", "--all", "destroy", "Flow_Table", "ft2"],
        &["--no-wait", "--all", "--if-exists", "destroy", "Flow_Table"],
        &["--no-wait", "--all", "destroy", "QoS"],
        &["--no-wait", "--all", "destroy", "Flow_Table"],
        &["list", "Flow_Table"],
        &["list", "QoS"],
        // wait-until, comment, unknown and ambiguous names, options where they do not belong.
        &["wait-until", "Bridge", "br0", "name=br0"],
        &["wait-until", "Bridge", "br0", "other_config:k=v", "datapath_type=\"\""],
        &["comment", "anything", "goes"],
        &["--no-wait", "comment", "--", "add-br", "br5"],
        &["list", "Nosuch"],
        &["list", "Flow"],
        &["list", "Mirror", "m0"],
        &["--if-exists", "find", "Bridge"],
        &["--id=@x", "list", "Bridge"],
        &["--columns=name", "get", "Bridge", "br0", "name"],
        &["--all", "wait-until", "Bridge", "br0"],
        &["find", "Bridge", "name!=br0"],
        &["find", "Port", "tag{>=}[]"],
        &["find", "Bridge", "nosuch=1"],
        &["get", "Bridge"],
        &["--format=table", "--columns=name,datapath_type", "list", "Bridge"],
        &["--format=csv", "--columns=name", "find", "Port", "name=p1"],
        &["--format=json", "--columns=name", "list", "Interface", "p1"],
    ];
    for s in steps {
        p.step(s);
    }
}
