//! TLS options (`-p/--private-key`, `-c/--certificate`, `-C/--ca-cert`) against a `pssl:`
//! remote with an `ovs-pki` PKI (certificates naming no IP address: like the reference tools,
//! only the chain is checked).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ovsdb_ctl::Tool;
use ovsdb_testkit::{OvsdbServer, Watchdog, free_loopback_ports};

/// A directory removed on drop.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn ovs_pki(dir: &Path, args: &[&str]) {
    let out = Command::new("ovs-pki")
        .arg("-d")
        .arg(dir.join("pki"))
        .arg("-l")
        .arg(dir.join("pki.log"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run ovs-pki");
    assert!(
        out.status.success(),
        "ovs-pki {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A temp dir `ctl-tls-{tag}-PID` with an `ovs-pki` PKI: CA, `server-*.pem`, `client-*.pem`.
pub(crate) fn pki(tag: &str) -> TempDir {
    let dir = TempDir(std::env::temp_dir().join(format!("ctl-tls-{tag}-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).expect("temp dir");
    ovs_pki(&dir.0, &["--force", "init"]);
    ovs_pki(&dir.0, &["-u", "req+sign", "server", "controller"]);
    ovs_pki(&dir.0, &["-u", "req+sign", "client", "controller"]);
    dir
}

/// An ovsdb-server on `schema` (a file of testdata/schemas) with a `pssl:` loopback remote using
/// the server certificate of the PKI in `d`, plus `extra` arguments; returns it once it listens,
/// with its `ssl:` remote.
fn start_pssl(schema: &str, d: &Path, extra: &[String]) -> (OvsdbServer, String) {
    let path = |f: &str| d.join(f).display().to_string();
    let port = free_loopback_ports(1).expect("free port")[0];
    let schema = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/schemas")
        .join(schema);
    let server = OvsdbServer::builder(schema)
        .arg(format!("--remote=pssl:{port}:127.0.0.1"))
        .arg(format!("--private-key={}", path("server-privkey.pem")))
        .arg(format!("--certificate={}", path("server-cert.pem")))
        .arg(format!("--ca-cert={}", path("pki/controllerca/cacert.pem")))
        .args(extra)
        .start()
        .expect("start ovsdb-server");
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(10), "pssl never listened");
        std::thread::sleep(Duration::from_millis(20));
    }
    (server, format!("ssl:127.0.0.1:{port}"))
}

#[test]
fn tls_options_match_ovn_nbctl() {
    let _w = Watchdog::arm("tls_options_match_ovn_nbctl", Duration::from_secs(120));
    let dir = pki("opts");
    let d = dir.0.as_path();
    let path = |f: &str| d.join(f).display().to_string();
    let ca = path("pki/controllerca/cacert.pem");
    let (server, remote) = start_pssl("ovn-nb.ovsschema", d, &[]);
    let (key, cert) = (path("client-privkey.pem"), path("client-cert.pem"));
    // Long and short spellings, separate and attached arguments.
    let spellings: [Vec<String>; 2] = [
        vec![
            format!("--private-key={key}"),
            format!("--certificate={cert}"),
            format!("--ca-cert={ca}"),
        ],
        vec![
            "-p".into(),
            key.clone(),
            "-c".into(),
            cert.clone(),
            format!("-C{ca}"),
        ],
    ];
    for (i, tls) in spellings.iter().enumerate() {
        let reference = |cmd: &[&str]| {
            let out = Command::new("ovn-nbctl")
                .arg(format!("--db={remote}"))
                .arg("--timeout=20")
                .args(tls)
                .args(cmd)
                .output()
                .expect("run ovn-nbctl");
            (
                String::from_utf8_lossy(&out.stdout).into_owned(),
                out.status.code().unwrap_or(-1),
            )
        };
        let ours = |cmd: &[&str]| {
            let mut all = vec![format!("--db={remote}"), "--timeout=20".to_owned()];
            all.extend(tls.iter().cloned());
            all.extend(cmd.iter().map(|s| s.to_string()));
            let out = ovsdb_ctl::run(Tool::Nbctl, &all, &BTreeMap::new());
            assert_eq!(out.stderr, "", "spelling {i} {cmd:?}");
            (out.stdout, out.code)
        };
        let (theirs_name, ours_name) = (format!("c{i}"), format!("r{i}"));
        assert_eq!(reference(&["ls-add", &theirs_name]).1, 0);
        assert_eq!(ours(&["ls-add", &ours_name]), (String::new(), 0));
        let listed = reference(&["--bare", "--columns=name", "list", "Logical_Switch"]);
        let our_list = ours(&["--bare", "--columns=name", "list", "Logical_Switch"]);
        let sorted = |s: &str| {
            let mut v: Vec<String> = s.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect();
            v.sort();
            v
        };
        assert_eq!(sorted(&our_list.0), sorted(&listed.0), "spelling {i}");
        assert!(
            sorted(&our_list.0).contains(&ours_name),
            "spelling {i}: {our_list:?}"
        );
        assert!(
            sorted(&our_list.0).contains(&theirs_name),
            "spelling {i}: {our_list:?}"
        );
    }
    drop(server);
}

/// `--bootstrap-ca-cert=FILE`: while FILE is missing, the CA certificate the server sends at the
/// top of its chain (ovsdb-server `--peer-ca-cert`) is trusted, the server is verified against it
/// and it is saved to FILE, as ovs-vsctl does (which then fails that first invocation with
/// "Protocol error", as ours does); afterwards FILE is used as `--ca-cert`, so a FILE of
/// another CA is refused. A server that sends its certificate alone (self-signed) is its own CA.
#[test]
fn bootstrap_ca_cert_saves_the_servers_ca_like_ovs_vsctl() {
    let _w = Watchdog::arm("bootstrap_ca_cert", Duration::from_secs(120));
    let dir = pki("boot");
    let d = dir.0.as_path();
    let path = |f: &str| d.join(f).display().to_string();
    let ca = path("pki/controllerca/cacert.pem");
    let start = || start_pssl("vswitch.ovsschema", d, &[format!("--peer-ca-cert={ca}")]);
    let (key, cert) = (path("client-privkey.pem"), path("client-cert.pem"));
    let args = |remote: &str, boot: &str| {
        vec![
            format!("--db={remote}"),
            "--timeout=5".to_owned(),
            format!("--private-key={key}"),
            format!("--certificate={cert}"),
            format!("--bootstrap-ca-cert={boot}"),
        ]
    };
    let certs_of = |f: &str| -> Vec<Vec<u8>> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        CertificateDer::pem_file_iter(f)
            .expect("read pem")
            .map(|c| c.expect("pem").as_ref().to_vec())
            .collect()
    };

    let (server, remote) = start();
    let (theirs, ours) = (path("theirs-ca.pem"), path("ours-ca.pem"));
    let reference = || {
        Command::new("ovs-vsctl")
            .args(args(&remote, &theirs))
            .args(["--no-wait", "init"])
            .output()
            .expect("run ovs-vsctl")
    };
    // ovs-vsctl saves the certificate, then drops that first connection ("Protocol error");
    // the next invocation uses the file. Ours does the same.
    let first = reference();
    assert!(Path::new(&theirs).exists(), "{first:?}");
    let mut a = args(&remote, &ours);
    a.extend(["--no-wait".to_owned(), "init".to_owned()]);
    let out = ovsdb_ctl::run(Tool::Vsctl, &a, &BTreeMap::new());
    assert_eq!(out.code, first.status.code().unwrap_or(-1), "{out:?}");
    assert_eq!(
        out.stderr.replace("vsctl-rs", "ovs-vsctl"),
        String::from_utf8_lossy(&first.stderr),
        "{out:?}"
    );
    assert!(
        out.stderr
            .ends_with(": database connection failed (Protocol error)\n"),
        "{out:?}"
    );
    assert!(reference().status.success());
    let out = ovsdb_ctl::run(Tool::Vsctl, &a, &BTreeMap::new());
    assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{out:?}");
    // Both saved the CA certificate, the same one the PKI has.
    assert_eq!(certs_of(&ours), certs_of(&ca));
    assert_eq!(certs_of(&ours), certs_of(&theirs));
    // The saved file now acts as --ca-cert.
    let mut a = args(&remote, &ours);
    a.extend([
        "--no-wait".to_owned(),
        "br-exists".to_owned(),
        "nosuch".to_owned(),
    ]);
    assert_eq!(ovsdb_ctl::run(Tool::Vsctl, &a, &BTreeMap::new()).code, 2);
    drop(server);

    // A server whose certificate is self-signed sends it alone: it is the CA that is saved.
    ovs_pki(d, &["req", "selfsrv"]);
    ovs_pki(d, &["self-sign", "selfsrv"]);
    let (server, remote) = start_pssl(
        "vswitch.ovsschema",
        d,
        &[
            format!("--private-key={}", path("selfsrv-privkey.pem")),
            format!("--certificate={}", path("selfsrv-cert.pem")),
        ],
    );
    let (theirs, ours) = (path("theirs-self.pem"), path("ours-self.pem"));
    for boot in [&theirs, &ours] {
        let mut a = args(&remote, boot);
        a.extend(["--no-wait".to_owned(), "list-br".to_owned()]);
        let out = if boot == &theirs {
            let o = Command::new("ovs-vsctl")
                .args(&a)
                .output()
                .expect("run ovs-vsctl");
            (
                o.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        } else {
            let o = ovsdb_ctl::run(Tool::Vsctl, &a, &BTreeMap::new());
            (o.code, o.stderr.replace("vsctl-rs", "ovs-vsctl"))
        };
        assert_eq!(
            out,
            (
                1,
                format!("ovs-vsctl: {remote}: database connection failed (Protocol error)\n")
            )
        );
    }
    assert_eq!(certs_of(&ours), certs_of(&path("selfsrv-cert.pem")));
    assert_eq!(certs_of(&ours), certs_of(&theirs));
    let mut a = args(&remote, &ours);
    a.extend([
        "--no-wait".to_owned(),
        "br-exists".to_owned(),
        "nosuch".to_owned(),
    ]);
    assert_eq!(ovsdb_ctl::run(Tool::Vsctl, &a, &BTreeMap::new()).code, 2);
    drop(server);

    // A bootstrapped file of another CA is refused (it is a --ca-cert now).
    let other = d.join("other");
    std::fs::create_dir_all(&other).expect("dir");
    ovs_pki(&other, &["--force", "init"]);
    let other_ca = other.join("pki/controllerca/cacert.pem").display().to_string();
    let (server, remote) = start();
    let mut a = args(&remote, &other_ca);
    a.extend(["--no-wait".to_owned(), "list-br".to_owned()]);
    let out = ovsdb_ctl::run(Tool::Vsctl, &a, &BTreeMap::new());
    assert_ne!(out.code, 0, "{out:?}");
    drop(server);
}
