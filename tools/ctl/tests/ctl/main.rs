//! Differential tests: every scripted step runs the reference tool (ovn-nbctl, ovn-sbctl,
//! ovs-vsctl) against one fresh ovsdb-server and ours against another; stdout (modulo UUIDs),
//! stderr (modulo the program name), exit codes and the database contents (modulo UUIDs) must
//! agree after every step.

mod daemon;
mod diff;
mod generic;
mod nbctl;
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
