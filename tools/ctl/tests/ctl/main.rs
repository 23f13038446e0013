//! Differential tests: every scripted step runs the reference tool (ovn-nbctl, ovn-sbctl,
//! ovs-vsctl) against one fresh ovsdb-server and ours against another; stdout (modulo UUIDs),
//! stderr (modulo the program name), exit codes and the database contents (modulo UUIDs) must
//! agree after every step.

mod daemon;
mod diff;
mod generic;
mod nb_acl;
mod nb_conn;
mod nb_copp;
mod nb_dhcp;
mod nb_ha;
mod nb_lb;
mod nb_lr;
mod nb_ls;
mod nb_lsp;
mod nb_mac_binding;
mod nb_nat;
mod nb_options;
mod nb_pg_fwd;
mod nb_policy;
mod nb_qos;
mod nb_route;
mod nbctl;
mod sb_conn;
mod sb_lflow;
mod sbctl;
mod tls;
mod txn;
mod vs_br;
mod vs_ctrl;
mod vs_db;
mod vs_port;
mod vs_scripts;
mod vs_vswitchd;
mod vsctl;
