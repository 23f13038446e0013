//! `spawn` (the topology generator) and `demo` (the primer scenario end to end).

use std::time::Instant;

/// `println!` that ignores a closed stdout (`ovn-lab demo | head`): the demo goes on to its
/// teardown instead of panicking half-way with the lab up.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

/// `print!` that ignores a closed stdout.
macro_rules! out_raw {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}

use crate::check::render_check;
use crate::error::{LabError, Result};
use crate::lab::{Lab, LabConfig, UpOptions, VmSpec, down, up};
use crate::state::{LabState, SbVia};
use crate::status::render_bindings;

/// Options of `spawn`.
#[derive(Debug, Clone, Copy)]
pub struct SpawnOptions {
    /// Chassis.
    pub nodes: u32,
    /// VMs per chassis.
    pub guests: u32,
    /// Logical switches.
    pub nets: u32,
    /// Connect every switch to one router (else the switches are isolated and share one
    /// address range).
    pub routed: bool,
}

/// What `spawn` made.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SpawnReport {
    /// VMs created.
    pub vms: usize,
    /// Switches created.
    pub nets: u32,
    /// Seconds for `up` (0 if the lab was up).
    pub up_seconds: f64,
    /// Seconds from start to every VM ready.
    pub seconds: f64,
}

/// Brings the lab up with `nodes` chassis (or, when it is up, uses it as it is and adds the
/// missing chassis) and creates `nets`
/// switches `net0..` and `nodes * guests` VMs `vm1..`, VM i on chassis `(i-1) / guests + 1`
/// and switch `(i-1) % nets`. Isolated switches all use 10.0.0.0/16 (their address ranges
/// overlap; VM addresses are distinct so a cross-switch probe cannot be answered by a
/// same-switch VM); routed switch k uses 10.k.0.0/16 with router `lr0` at 10.k.0.1.
///
/// # Errors
/// As `up`, [`Lab::net_create`], [`Lab::add_vms`].
pub async fn spawn(cfg: &LabConfig, opts: SpawnOptions) -> Result<SpawnReport> {
    if opts.nodes == 0
        || opts.guests == 0
        || opts.nets == 0
        || opts.nets > 200
        || opts.nodes * opts.guests > 60000
    {
        return Err(LabError::Invalid {
            what: "spawn size",
            value: format!(
                "--nodes {} --guests {} --nets {}",
                opts.nodes, opts.guests, opts.nets
            ),
            reason: "each must be at least 1, nets at most 200, VMs at most 60000",
        });
    }
    let start = Instant::now();
    // A lab that is already there is used as it is (SB access, RAFT, TLS).
    let st = LabState::load(&cfg.state_file())?.unwrap_or_default();
    let upr = up(
        cfg,
        &UpOptions {
            chassis: opts.nodes,
            sb_via: st.sb_via,
            clustered: st.clustered,
            tls: st.tls,
            ..UpOptions::default()
        },
    )
    .await?;
    let mut lab = Lab::open(cfg.clone()).await?;
    lab.progress.step(&format!(
        "{} switches{}",
        opts.nets,
        if opts.routed { " and router lr0" } else { "" }
    ));
    if opts.routed {
        lab.router_create("lr0").await?;
    }
    for k in 0..opts.nets {
        let name = format!("net{k}");
        let cidr = if opts.routed {
            format!("10.{k}.0.0/16")
        } else {
            "10.0.0.0/16".to_string()
        };
        lab.net_create(&name, &cidr).await?;
        if opts.routed {
            lab.router_attach("lr0", &name, Some(&format!("10.{k}.0.1/16")))
                .await?;
        }
    }
    let chassis: Vec<String> = lab
        .state
        .chassis
        .values()
        .map(|c| c.name.clone())
        .take(opts.nodes as usize)
        .collect();
    let total = opts.nodes * opts.guests;
    let specs: Vec<VmSpec> = (0..total)
        .map(|i| {
            let k = i % opts.nets;
            let h = i + 10;
            let (net, gw) = if opts.routed {
                (k, Some(format!("10.{k}.0.1")))
            } else {
                (0, None)
            };
            VmSpec {
                name: format!("vm{}", i + 1),
                chassis: chassis[(i / opts.guests) as usize % chassis.len()].clone(),
                switch: format!("net{k}"),
                mac: None,
                ip: Some(format!("10.{net}.{}.{}/16", h / 256, h % 256)),
                gw,
            }
        })
        .collect();
    lab.progress.step(&format!("{total} VMs bound, installed and up"));
    lab.add_vms(&specs).await?;
    lab.progress.finish();
    Ok(SpawnReport {
        vms: total as usize,
        nets: opts.nets,
        up_seconds: if upr.already_up { 0.0 } else { upr.seconds },
        seconds: start.elapsed().as_secs_f64(),
    })
}

fn vm(name: &str, chassis: &str, switch: &str, mac: &str, ip: &str, gw: &str) -> VmSpec {
    VmSpec {
        name: name.into(),
        chassis: chassis.into(),
        switch: switch.into(),
        mac: Some(mac.into()),
        ip: Some(ip.into()),
        gw: Some(gw.into()),
    }
}

/// Prints a step result with its time.
fn say(t: Instant, what: &str) -> f64 {
    let s = t.elapsed().as_secs_f64();
    out!("[{s:6.2} s] {what}");
    s
}

/// The primer scenario: central plus two chassis; `ls1` with vm1 (ch1) and vm2 (ch2), with
/// addresses and port security; a cross-chassis ping; a spoofed source dropped; vm3 added on
/// ch1 and migrated to ch2 with pings before and after; a router between ls1 and ls2 with a
/// routed ping; SB port bindings after each step; then teardown. Returns the timings.
///
/// # Errors
/// The first failed step, or [`LabError::Interrupted`] on Ctrl-C (the lab is torn down
/// anyway).
pub async fn demo(cfg: &LabConfig) -> Result<Vec<(String, f64)>> {
    demo_with(cfg, false).await
}

/// [`demo`], on a lab with TLS everywhere when `tls` (`up --tls`; a `--tls` lab that is
/// already up is used as it is).
///
/// # Errors
/// As [`demo`].
pub async fn demo_with(cfg: &LabConfig, tls: bool) -> Result<Vec<(String, f64)>> {
    // Ctrl-C ends the steps, not the teardown.
    let res = tokio::select! {
        r = demo_steps(cfg, tls) => r,
        _ = tokio::signal::ctrl_c() => Err(LabError::Interrupted { during: "demo".into() }),
    };
    let t = Instant::now();
    let d = down(cfg).await;
    let mut timings = res?;
    d?;
    let s = t.elapsed().as_secs_f64();
    out!("teardown: every process, namespace and file removed in {s:.2} s");
    timings.push(("teardown".into(), s));
    out!("\nsummary");
    for (what, s) in &timings {
        out!("  {what:<44} {s:6.2} s");
    }
    Ok(timings)
}

async fn demo_steps(cfg: &LabConfig, tls: bool) -> Result<Vec<(String, f64)>> {
    let mut timings = Vec::new();
    let t0 = Instant::now();
    out!("== 1. central (NB, SB, northd) and two chassis (ovsdb-server, ovs-vswitchd, ovn-controller)");
    let t = Instant::now();
    up(
        cfg,
        &UpOptions {
            chassis: 2,
            sb_via: SbVia::Unix,
            tls,
            ..UpOptions::default()
        },
    )
    .await?;
    timings.push(("up: central + 2 chassis registered".into(), say(t, "lab up")));
    let mut lab = Lab::open(cfg.clone()).await?;
    lab.progress = crate::progress::Progress::new(true);
    out_raw!("{}", render_bindings(&lab.bindings().await?));

    out!("\n== 2. ls1 10.0.0.0/24 with vm1 on ch1 and vm2 on ch2 (addresses + port security)");
    let t = Instant::now();
    lab.net_create("ls1", "10.0.0.0/24").await?;
    lab.add_vms(&[
        vm(
            "vm1",
            "ch1",
            "ls1",
            "00:00:00:00:01:01",
            "10.0.0.11/24",
            "10.0.0.1",
        ),
        vm(
            "vm2",
            "ch2",
            "ls1",
            "00:00:00:00:01:02",
            "10.0.0.12/24",
            "10.0.0.1",
        ),
    ])
    .await?;
    timings.push((
        "vm1, vm2 bound + installed + up".into(),
        say(t, "ports bound, installed, up"),
    ));
    out_raw!("{}", render_bindings(&lab.bindings().await?));
    let t = Instant::now();
    let lost = lab.ping("vm1", "vm2").await?;
    timings.push((
        "first cross-chassis ping vm1 -> vm2".into(),
        say(
            t,
            &format!("ping vm1 -> vm2 (ch1 -> ch2 over geneve), {lost} lost"),
        ),
    ));
    timings.push((
        "nothing -> first cross-chassis ping".into(),
        t0.elapsed().as_secs_f64(),
    ));
    out!(
        "           nothing to first cross-chassis ping: {:.2} s",
        t0.elapsed().as_secs_f64()
    );
    lab.ping("vm2", "vm1").await?;
    say(t, "ping vm2 -> vm1");
    // Port security: a source address that is not vm1's must be dropped.
    let ns = cfg.vm_netns("vm1");
    crate::sys::ip_batch(Some(&ns), &["addr add 10.0.0.99/24 dev eth0".into()]).await?;
    let spoofed = crate::sys::ns_exec(
        &ns,
        "ping",
        &["-n", "-q", "-c2", "-i0.2", "-W1", "-I", "10.0.0.99", "10.0.0.12"],
    )
    .await
    .is_ok();
    crate::sys::ip_batch(Some(&ns), &["addr del 10.0.0.99/24 dev eth0".into()]).await?;
    if spoofed {
        return Err(LabError::Ping {
            from: "vm1 (spoofed 10.0.0.99, must be dropped)".into(),
            to: "vm2".into(),
        });
    }
    say(t, "port security drops vm1's spoofed source 10.0.0.99");

    out!("\n== 3. vm3 on ch1, then migrated to ch2");
    let t = Instant::now();
    lab.add_vms(&[vm(
        "vm3",
        "ch1",
        "ls1",
        "00:00:00:00:01:03",
        "10.0.0.13/24",
        "10.0.0.1",
    )])
    .await?;
    say(t, "vm3 ready on ch1");
    lab.ping("vm3", "vm2").await?;
    say(t, "ping vm3 -> vm2 (ch1 -> ch2)");
    out_raw!("{}", render_bindings(&lab.bindings().await?));
    let took = lab.move_vm("vm3", "ch2").await?;
    timings.push((
        "migrate vm3 ch1 -> ch2 (bound + installed)".into(),
        took.as_secs_f64(),
    ));
    say(
        t,
        &format!(
            "vm3 migrated to ch2 in {:.2} s (same logical port, binding moved)",
            took.as_secs_f64()
        ),
    );
    let lost = lab.ping("vm1", "vm3").await?;
    say(t, &format!("ping vm1 -> vm3 (now ch1 -> ch2), {lost} lost"));
    lab.ping("vm3", "vm2").await?;
    say(t, "ping vm3 -> vm2 (now on the same chassis)");
    out_raw!("{}", render_bindings(&lab.bindings().await?));

    out!("\n== 4. router lr1 between ls1 (10.0.0.1) and ls2 (10.0.1.1), vm4 on ls2");
    let t = Instant::now();
    lab.net_create("ls2", "10.0.1.0/24").await?;
    lab.router_create("lr1").await?;
    lab.router_attach("lr1", "ls1", Some("10.0.0.1/24")).await?;
    lab.router_attach("lr1", "ls2", Some("10.0.1.1/24")).await?;
    lab.add_vms(&[vm(
        "vm4",
        "ch2",
        "ls2",
        "00:00:00:00:02:04",
        "10.0.1.14/24",
        "10.0.1.1",
    )])
    .await?;
    timings.push((
        "router + vm4 ready".into(),
        say(t, "lr1 attached, vm4 ready on ch2"),
    ));
    let lost = lab.ping("vm1", "vm4").await?;
    say(
        t,
        &format!("ping vm1 (ls1, ch1) -> vm4 (ls2, ch2) routed by lr1, {lost} lost"),
    );
    out_raw!("{}", render_bindings(&lab.bindings().await?));

    out!("\n== 5. full check");
    let report = lab.check().await?;
    out_raw!("{}", render_check(&lab, &report));
    timings.push(("check (full mesh)".into(), report.seconds));
    if report.failed > 0 {
        return Err(LabError::CheckFailed {
            failed: report.failed,
            total: report.probes.len(),
        });
    }
    drop(lab);
    out!("\n== 6. teardown");
    Ok(timings)
}
