//! The command line: `clap` definitions and their dispatch to the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::check::render_check;
use crate::cluster::ClusterDb;
use crate::error::{LabError, Result};
use crate::lab::{Lab, LabConfig, UpOptions, VmSpec, down, up};
use crate::scenario::{SpawnOptions, demo_with, spawn};
use crate::state::SbVia;
use crate::status::{daemons_only, render_bindings, render_daemons, render_status};

/// Emulates a multi-chassis OVN deployment on this host with the real daemons.
#[derive(Debug, Parser)]
#[command(name = "ovn-lab", version)]
pub struct Cli {
    /// Lab name (namespaces are `olab-<lab>-*`).
    #[arg(long = "lab", global = true, env = "OVN_LAB_NAME", default_value = "lab")]
    pub lab: String,
    /// Lab directory (default `/run/ovn-lab/<lab>`).
    #[arg(long, global = true, env = "OVN_LAB_DIR")]
    pub dir: Option<PathBuf>,
    /// No progress output.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Bound in seconds on each wait for ports (default: 30 s for up to 100 ports, then 0.1 s
    /// more per port).
    #[arg(long, global = true)]
    pub timeout: Option<f64>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// `fault` actions.
#[derive(Debug, Subcommand)]
pub enum FaultAction {
    /// Kill the current leader of the NB or SB cluster (by pid); waits for a new leader.
    KillLeader {
        /// Which cluster.
        #[arg(value_enum)]
        db: ClusterDb,
    },
    /// Start again every member killed by kill-leader; waits until each rejoined.
    Restart,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start central (NB, SB, northd) and N chassis `ch1..chN` (idempotent).
    Up {
        /// Number of chassis (0: the central only; add chassis with add-node).
        #[arg(long, default_value_t = 2)]
        chassis: u32,
        /// How chassis reach SB.
        #[arg(long, value_enum, default_value_t = SbVia::Unix)]
        sb_via: SbVia,
        /// Start NB from this database file (copied; a pre-provisioned topology).
        #[arg(long)]
        nb_db: Option<PathBuf>,
        /// Start SB from this database file (copied; without it SB starts empty and
        /// ovn-northd fills it from NB).
        #[arg(long)]
        sb_db: Option<PathBuf>,
        /// NB and SB each a 3-member RAFT cluster (members on the underlay; northd, chassis and
        /// the lab's clients given all three).
        #[arg(long)]
        clustered: bool,
        /// TLS: a PKI made with ovs-pki in the lab directory; NB and SB also listen on ssl:,
        /// northd, the chassis (through the SB relay) and ovn-lab itself use ssl: remotes.
        #[arg(long)]
        tls: bool,
    },
    /// Fault injection on a clustered lab.
    Fault {
        /// What to do.
        #[command(subcommand)]
        action: FaultAction,
    },
    /// Print `export OVN_NB_DB=... OVN_SB_DB=...` for this lab: `eval "$(ovn-lab env)"`, then
    /// nbctl-rs / ovn-nbctl talk to it.
    Env,
    /// Remove every process, namespace, link and file of the lab.
    Down,
    /// Chassis, encaps, port bindings, daemons (pid, RSS), VMs.
    #[command(alias = "show")]
    Status {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Add a chassis (named NAME, default the next `chN`).
    AddNode {
        /// Chassis name (its system-id and hostname).
        name: Option<String>,
    },
    /// Remove a chassis without VMs.
    DelNode {
        /// Chassis name (`ch3`).
        name: String,
    },
    /// Create a VM on a chassis, plugged into a logical switch.
    AddVm {
        /// VM name (also the logical port's).
        name: String,
        /// Chassis (`ch1` or `1`).
        #[arg(long)]
        chassis: String,
        /// Logical switch.
        #[arg(long)]
        switch: String,
        /// Ethernet address (default: derived from the address, or from IPAM).
        #[arg(long)]
        mac: Option<String>,
        /// Address A.B.C.D/N (default: OVN's IPAM).
        #[arg(long)]
        ip: Option<String>,
        /// Default gateway (default: the switch's router port, if any).
        #[arg(long)]
        gw: Option<String>,
    },
    /// Plug a namespace VM into an existing logical switch port (made with nbctl-rs or
    /// ovn-nbctl); waits until the port is up.
    Attach {
        /// VM name (the namespace's).
        name: String,
        /// The logical switch port (bound through `external_ids:iface-id`).
        #[arg(long)]
        port: String,
        /// Chassis (`ch1`, `1` or a chassis name).
        #[arg(long)]
        chassis: String,
        /// Ethernet address (default: the port's `addresses` / `dynamic_addresses`).
        #[arg(long)]
        mac: Option<String>,
        /// Address A.B.C.D/N (default: the port's, with the prefix of its subnet).
        #[arg(long)]
        ip: Option<String>,
    },
    /// Delete a VM (and its logical port, unless it was attached to an existing one).
    DelVm {
        /// VM name.
        name: String,
    },
    /// Migrate a VM to another chassis (same logical port).
    MoveVm {
        /// VM name.
        name: String,
        /// Target chassis.
        #[arg(long)]
        to: String,
    },
    /// Create a logical switch (network) with a subnet for OVN's IPAM.
    NetCreate {
        /// Switch name.
        name: String,
        /// Subnet A.B.C.D/N.
        cidr: String,
        /// Gateway address: a router port owning it, on the lab's router `ovn-lab`.
        #[arg(long)]
        gateway: Option<String>,
    },
    /// Create an endpoint: a logical port with an address from OVN's IPAM on network NET;
    /// prints its name, UUID, MAC and IP.
    EndpointCreate {
        /// Network (logical switch).
        net: String,
        /// Endpoint name (default `<net>-ep<N>`).
        name: Option<String>,
    },
    /// List endpoints.
    EndpointList {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Delete an endpoint (and its container if it was the container's last one).
    EndpointDelete {
        /// Endpoint name.
        name: String,
    },
    /// Create a container: a namespace with one interface per endpoint (eth0, eth1, ...).
    ContainerCreate {
        /// Container name.
        name: String,
        /// Endpoint to plug in (repeat for more interfaces).
        #[arg(long = "network", required = true)]
        networks: Vec<String>,
        /// Chassis (`ch1`, `1` or a chassis name); not with --parent.
        #[arg(long, required_unless_present = "parent", conflicts_with = "parent")]
        chassis: Option<String>,
        /// Run it inside this VM (OVN nested container; one --network).
        #[arg(long, requires = "tag")]
        parent: Option<String>,
        /// VLAN tag of its traffic leaving the VM (1-4095).
        #[arg(long, requires = "parent")]
        tag: Option<u16>,
    },
    /// Delete a container (its endpoints stay).
    ContainerDelete {
        /// Container name.
        name: String,
    },
    /// List logical switches.
    NetList {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Delete a logical switch without VMs.
    NetDelete {
        /// Switch name.
        name: String,
    },
    /// Create a logical router.
    RouterCreate {
        /// Router name.
        name: String,
    },
    /// Connect a switch to a router.
    RouterAttach {
        /// Router name.
        router: String,
        /// Switch name.
        switch: String,
        /// Router address on the switch (default: first address of its subnet).
        #[arg(long)]
        ip: Option<String>,
    },
    /// Generate a topology: N chassis, G VMs each, K switches (isolated or routed).
    Spawn {
        /// Chassis.
        #[arg(long, default_value_t = 3)]
        nodes: u32,
        /// VMs per chassis.
        #[arg(long, default_value_t = 2)]
        guests: u32,
        /// Switches.
        #[arg(long, default_value_t = 1)]
        nets: u32,
        /// Connect the switches through one router.
        #[arg(long)]
        routed: bool,
    },
    /// Ping every pair that should reach each other, and prove isolation.
    Check {
        /// JSON output.
        #[arg(long)]
        json: bool,
        /// Run at most N of the probes (a fixed pseudo-random choice), for large labs.
        #[arg(long)]
        sample: Option<usize>,
    },
    /// Ping from a VM to a VM or address.
    Ping {
        /// Source VM.
        from: String,
        /// Destination VM or address.
        to: String,
    },
    /// Run a command inside a VM.
    Exec {
        /// VM name.
        vm: String,
        /// Command and arguments (after `--`).
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// The primer scenario end to end, then teardown.
    Demo {
        /// On a lab with TLS everywhere (as up --tls).
        #[arg(long)]
        tls: bool,
    },
}

fn chassis_name(s: &str) -> String {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        format!("ch{s}")
    } else {
        s.to_string()
    }
}

/// Writes `text` to standard output; a closed one (`ovn-lab status | head -1`) is
/// [`LabError::StdoutClosed`], which ends the command quietly.
fn emit(text: &str) -> Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(LabError::StdoutClosed),
        Err(source) => Err(LabError::Io {
            path: PathBuf::from("<standard output>"),
            source,
        }),
    }
}

/// `println!` through [`emit`]: returns from the enclosing function on a closed stdout.
macro_rules! outln {
    ($($t:tt)*) => {
        emit(&format!("{}\n", format_args!($($t)*)))?
    };
}

/// `print!` through [`emit`].
macro_rules! out {
    ($($t:tt)*) => {
        emit(&format!($($t)*))?
    };
}

/// Exit status after a closed standard output: what the shell reports for a process ended by
/// SIGPIPE (128 + 13), as it does for the C tools.
pub const EXIT_STDOUT_CLOSED: u8 = 141;

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// Runs one command; the exit code is non-zero on any failure (check failures included).
///
/// # Errors
/// Whatever the command fails with.
pub async fn run(cli: Cli) -> Result<ExitCode> {
    let mut cfg = LabConfig::new(&cli.lab, cli.dir.clone())?;
    cfg.quiet = cli.quiet;
    if let Some(t) = cli.timeout {
        if !(t > 0.0 && t < 86_400.0) {
            return Err(LabError::Invalid {
                what: "--timeout",
                value: t.to_string(),
                reason: "seconds, more than 0 and less than a day",
            });
        }
        cfg.timeout = Some(std::time::Duration::from_secs_f64(t));
    }
    match cli.command {
        Command::Up {
            chassis,
            sb_via,
            nb_db,
            sb_db,
            clustered,
            tls,
        } => {
            let r = up(
                &cfg,
                &UpOptions {
                    chassis,
                    sb_via,
                    nb_db,
                    sb_db,
                    clustered,
                    tls,
                },
            )
            .await?;
            if r.already_up {
                outln!(
                    "lab {} already up: {} ({:.2} s)",
                    cfg.name,
                    r.chassis.join(", "),
                    r.seconds
                );
            } else if r.chassis.is_empty() {
                outln!(
                    "lab {} up: central only in {:.2} s; next: ovn-lab add-node",
                    cfg.name,
                    r.seconds
                );
            } else {
                outln!(
                    "lab {} up: central + {} in {:.2} s",
                    cfg.name,
                    r.chassis.join(", "),
                    r.seconds
                );
            }
        }
        Command::Down => {
            let r = down(&cfg).await?;
            outln!(
                "lab {} down: {} processes, {} namespaces, directory {} in {:.2} s",
                cfg.name,
                r.processes,
                r.namespaces,
                if r.removed_dir { "removed" } else { "absent" },
                r.seconds
            );
        }
        Command::Status { json: j } => {
            let lab = match Lab::open(cfg.clone()).await {
                Ok(lab) => lab,
                Err(e @ LabError::DaemonDied { .. }) => {
                    // A broken lab: still show which daemons run and which do not.
                    let daemons = daemons_only(&cfg);
                    if j {
                        outln!("{}", json(&daemons));
                    } else {
                        out!("{}", render_daemons(&daemons));
                    }
                    return Err(e);
                }
                Err(e) => return Err(e),
            };
            let st = lab.status().await?;
            outln!("{}", if j { json(&st) } else { render_status(&st) });
        }
        Command::Fault { action } => {
            let lab = Lab::open(cfg).await?;
            match action {
                FaultAction::KillLeader { db } => {
                    let r = lab.kill_leader(db).await?;
                    outln!(
                        "killed {} (pid {}), the {} leader; {} leads after {:.2} s",
                        r.killed,
                        r.pid,
                        db.db_name(),
                        r.new_leader,
                        r.seconds
                    );
                }
                FaultAction::Restart => {
                    let started = lab.restart_members().await?;
                    if started.is_empty() {
                        outln!("no member was killed");
                    } else {
                        outln!("restarted {}; each rejoined its cluster", started.join(", "));
                    }
                }
            }
        }
        Command::Env => {
            let lab = Lab::open(cfg).await?;
            out!("{}", lab.env());
        }
        Command::AddNode { name } => {
            let mut lab = Lab::open(cfg).await?;
            outln!("added {}", lab.add_node(name.as_deref()).await?);
        }
        Command::Attach {
            name,
            port,
            chassis,
            mac,
            ip,
        } => {
            let mut lab = Lab::open(cfg).await?;
            let v = lab
                .attach(
                    &name,
                    &port,
                    &chassis_name(&chassis),
                    mac.as_deref(),
                    ip.as_deref(),
                )
                .await?;
            outln!(
                "{} on {}: port {} {} {} gw {}",
                v.name,
                v.chassis,
                v.port(),
                v.mac,
                v.ip,
                v.gw.as_deref().unwrap_or("-")
            );
        }
        Command::DelNode { name } => {
            let mut lab = Lab::open(cfg).await?;
            lab.del_node(&chassis_name(&name)).await?;
            outln!("removed {name}");
        }
        Command::AddVm {
            name,
            chassis,
            switch,
            mac,
            ip,
            gw,
        } => {
            let mut lab = Lab::open(cfg).await?;
            let vms = lab
                .add_vms(&[VmSpec {
                    name,
                    chassis: chassis_name(&chassis),
                    switch,
                    mac,
                    ip,
                    gw,
                }])
                .await?;
            for v in vms {
                outln!(
                    "{} on {}: {} {} gw {}",
                    v.name,
                    v.chassis,
                    v.mac,
                    v.ip,
                    v.gw.as_deref().unwrap_or("-")
                );
            }
        }
        Command::DelVm { name } => {
            let mut lab = Lab::open(cfg).await?;
            lab.del_vm(&name).await?;
            outln!("deleted {name}");
        }
        Command::MoveVm { name, to } => {
            let mut lab = Lab::open(cfg).await?;
            let to = chassis_name(&to);
            let took = lab.move_vm(&name, &to).await?;
            outln!("{name} moved to {to} in {:.2} s", took.as_secs_f64());
            out!("{}", render_bindings(&lab.bindings().await?));
        }
        Command::NetCreate { name, cidr, gateway } => {
            let lab = Lab::open(cfg).await?;
            lab.net_create_with_gateway(&name, &cidr, gateway.as_deref())
                .await?;
            match gateway {
                Some(g) => outln!("created {name} {cidr} gateway {g}"),
                None => outln!("created {name} {cidr}"),
            }
        }
        Command::EndpointCreate { net, name } => {
            let lab = Lab::open(cfg).await?;
            let e = lab.endpoint_create(&net, name.as_deref()).await?;
            outln!("{} {} {} {}", e.name, e.uuid, e.mac, e.ip);
        }
        Command::EndpointList { json: j } => {
            let lab = Lab::open(cfg).await?;
            let eps = lab.endpoint_list().await?;
            if j {
                outln!("{}", json(&eps));
            } else {
                for e in eps {
                    outln!(
                        "{:<16} {} {:<12} {} {:<18} {}",
                        e.name,
                        e.uuid,
                        e.network,
                        e.mac,
                        e.ip,
                        e.container.as_deref().unwrap_or("-")
                    );
                }
            }
        }
        Command::EndpointDelete { name } => {
            let mut lab = Lab::open(cfg).await?;
            lab.endpoint_delete(&name).await?;
            outln!("deleted {name}");
        }
        Command::ContainerCreate {
            name,
            networks,
            chassis,
            parent,
            tag,
        } => {
            let mut lab = Lab::open(cfg).await?;
            let c = match (parent, tag, chassis) {
                (Some(parent), Some(tag), _) => {
                    let [ep] = networks.as_slice() else {
                        return Err(LabError::Invalid {
                            what: "container",
                            value: name,
                            reason: "a container inside a VM takes exactly one --network",
                        });
                    };
                    lab.nested_container_create(&name, ep, &parent, tag).await?
                }
                (_, _, Some(chassis)) => {
                    lab.container_create(&name, &networks, &chassis_name(&chassis))
                        .await?
                }
                _ => {
                    return Err(LabError::Invalid {
                        what: "container",
                        value: name,
                        reason: "give --chassis, or --parent and --tag",
                    });
                }
            };
            for i in &c.interfaces {
                outln!(
                    "{} on {}: {} {} {} {} gw {}",
                    c.name,
                    c.chassis,
                    i.dev,
                    i.endpoint,
                    i.mac,
                    i.ip,
                    i.gw.as_deref().unwrap_or("-")
                );
            }
        }
        Command::ContainerDelete { name } => {
            let mut lab = Lab::open(cfg).await?;
            lab.container_delete(&name).await?;
            outln!("deleted {name}");
        }
        Command::NetList { json: j } => {
            let lab = Lab::open(cfg).await?;
            let nets = lab.net_list().await?;
            if j {
                outln!("{}", json(&nets));
            } else {
                for n in nets {
                    outln!(
                        "{:<16} {:<18} {} ports",
                        n.name,
                        n.subnet.as_deref().unwrap_or("-"),
                        n.ports
                    );
                }
            }
        }
        Command::NetDelete { name } => {
            let lab = Lab::open(cfg).await?;
            lab.net_delete(&name).await?;
            outln!("deleted {name}");
        }
        Command::RouterCreate { name } => {
            let lab = Lab::open(cfg).await?;
            lab.router_create(&name).await?;
            outln!("created {name}");
        }
        Command::RouterAttach { router, switch, ip } => {
            let lab = Lab::open(cfg).await?;
            let ip = lab.router_attach(&router, &switch, ip.as_deref()).await?;
            outln!("{router} attached to {switch} at {ip}");
        }
        Command::Spawn {
            nodes,
            guests,
            nets,
            routed,
        } => {
            let r = spawn(
                &cfg,
                SpawnOptions {
                    nodes,
                    guests,
                    nets,
                    routed,
                },
            )
            .await?;
            let switches = match (r.nets, routed) {
                (1, false) => "switch net0".to_string(),
                (1, true) => "switch net0 behind router lr0".to_string(),
                (n, false) => format!("{n} isolated switches net0..net{}", n.saturating_sub(1)),
                (n, true) => format!("{n} switches net0..net{} routed by lr0", n.saturating_sub(1)),
            };
            outln!(
                "spawned {} VMs ({guests} per chassis) on {nodes} chassis in {switches} in {:.2} s \
                 ({:.2} s of it bringing the lab up); next: ovn-lab check",
                r.vms,
                r.seconds,
                r.up_seconds
            );
        }
        Command::Check { json: j, sample } => {
            let lab = Lab::open(cfg).await?;
            let report = lab.check_sample(sample).await?;
            if j {
                outln!("{}", json(&report));
            } else {
                out!("{}", render_check(&lab, &report));
            }
            if report.failed > 0 {
                return Err(LabError::CheckFailed {
                    failed: report.failed,
                    total: report.probes.len(),
                });
            }
        }
        Command::Ping { from, to } => {
            let lab = Lab::open(cfg).await?;
            let lost = lab.ping(&from, &to).await?;
            outln!(
                "{from} -> {to}: reply{}",
                if lost > 0 {
                    format!(" after {lost} lost")
                } else {
                    String::new()
                }
            );
        }
        Command::Exec { vm, command } => {
            let lab = Lab::open(cfg).await?;
            let code = lab.exec(&vm, &command).await?;
            return Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)));
        }
        Command::Demo { tls } => {
            demo_with(&cfg, tls).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Parses nothing: runs `cli` on a new runtime and turns errors into a message and exit code 1.
pub fn main_with(cli: Cli) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "ovn-lab: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(LabError::StdoutClosed) => ExitCode::from(EXIT_STDOUT_CLOSED),
        Err(e) => {
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "ovn-lab: {e}");
            ExitCode::FAILURE
        }
    }
}
